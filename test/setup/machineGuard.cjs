// The machine the tests run on, kept as the tests found it where it matters to every test.
//
// /dev/null must stay the character device 1,3. Replaced by a regular file (root's programs can
// still write to it, so nothing says so), every non-root program that redirects to it fails: a CI
// run lost two tests that way, the probe run as nobody ("permission denied" from a `2>/dev/null`)
// and the SSH wrapper of a non-root login (its `kill ... 2>/dev/null` never ran). So /dev/null is
// checked before the first test and after each one; a test that replaced it fails the run,
// named, and /dev/null is made again (as root) so the tests after it are not failed by it too.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');

const DEV_NULL_RDEV = (1 << 8) | 3; // makedev(1, 3)

/** What /dev/null is when it is not the null device, or undefined. */
function devNullProblem() {
  let st;
  try {
    st = fs.lstatSync('/dev/null');
  } catch {
    return 'missing';
  }
  if (st.isCharacterDevice() && st.rdev === DEV_NULL_RDEV) return undefined;
  const kind = st.isFile() ? 'a regular file' : st.isSymbolicLink() ? 'a symbolic link' : st.isCharacterDevice() ? `the character device ${st.rdev >> 8},${st.rdev & 0xff}` : 'not a device';
  return `${kind} (mode ${(st.mode & 0o7777).toString(8)}, made ${st.birthtime.toISOString()})`;
}

/** Makes /dev/null the null device again, in one rename; false when that is not possible here. */
function restoreDevNull() {
  if (process.getuid?.() !== 0) return false;
  const temp = `/dev/.cf-null.${process.pid}`;
  try {
    execFileSync('mknod', ['-m', '666', temp, 'c', '1', '3'], { stdio: 'ignore' });
    fs.renameSync(temp, '/dev/null');
    return devNullProblem() === undefined;
  } catch {
    try {
      fs.unlinkSync(temp);
    } catch {
      // not made
    }
    return false;
  }
}

const replacedBy = [];

exports.mochaHooks = {
  beforeAll() {
    const p = devNullProblem();
    if (!p) return;
    const fixed = restoreDevNull();
    process.stderr.write(`machine guard: /dev/null was ${p} before the first test: something that ran before the tests replaced it; ${fixed ? 'made again (c 1 3, 0666)' : 'it could not be made again (not root)'}\n`);
    if (!fixed) throw new Error(`/dev/null is ${p}: every non-root program that writes to it fails; restore it with: mknod -m 666 /dev/.null c 1 3 && mv /dev/.null /dev/null`);
  },
  afterEach() {
    const p = devNullProblem();
    if (!p) return;
    const title = this.currentTest ? this.currentTest.fullTitle() : 'a test';
    replacedBy.push(`${title}: /dev/null became ${p}`);
    const fixed = restoreDevNull();
    process.stderr.write(`machine guard: "${title}" left /dev/null ${p}; ${fixed ? 'made again' : 'it could not be made again'}\n`);
  },
  afterAll() {
    if (replacedBy.length) throw new Error(`tests replaced /dev/null, which must stay the null device: ${replacedBy.join('; ')}`);
  },
};
