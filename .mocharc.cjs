// The whole suite: unit tests and integration tests against a real database.
module.exports = {
  'node-option': ['import=tsx'],
  require: ['test/setup/root-hooks.ts'],
  timeout: 20000,
  exit: true,
  recursive: true,
  extension: ['ts'],
};
