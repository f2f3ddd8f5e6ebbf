// force timezone to UTC to allow tests to work regardless of local timezone
// generally used by snapshots, but can affect specific tests
process.env.TZ = 'UTC';

const base = require('./.config/jest.config');
const swc = base.transform['^.+\\.(t|j)sx?$'];

module.exports = {
  // Jest configuration provided by Grafana scaffolding
  ...base,
  transform: {
    ...base.transform,
    // @grafana/data 11.6 pulls in d3 packages that ship only ES modules as .mjs.
    '^.+\\.mjs$': swc,
  },
  // Playwright specs under tests/ are not jest tests.
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/tests/'],
};
