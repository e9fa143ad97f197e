// mocha's configuration. CF_TEST_TIER picks what runs: unset, every tier (npm test); a tier's
// name, that tier (npm run test:unit ...); "files", only the files named on the command line
// (npm run test:one -- FILE). Tiers and options live in test/setup/tiers.cjs.
const { options, tiers } = require('./test/setup/tiers.cjs');

const tier = process.env.CF_TEST_TIER;
let spec;
if (tier === undefined || tier === '') spec = Object.values(tiers).flat();
else if (tier === 'files') spec = [];
else if (Object.hasOwn(tiers, tier)) spec = tiers[tier];
else throw new Error(`CF_TEST_TIER=${tier}: not one of ${[...Object.keys(tiers), 'files'].join(', ')}`);

module.exports = { ...options, spec };
