// Files bundled as text (esbuild's text loader; test/setup/textLoader.cjs under mocha).
declare module '*.sh' {
  const text: string;
  export default text;
}
