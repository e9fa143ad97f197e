// Lets tests import the probe script as text, as esbuild's text loader does for the bundles.
const fs = require('node:fs');
require.extensions['.sh'] = (module, filename) => {
  module.exports = { __esModule: true, default: fs.readFileSync(filename, 'utf8') };
};
