/**
 * End-to-end tests: ponte-sim plus the service under the real @vtex/api runtime, over HTTP.
 * Run from node/: `npm run test:e2e` (builds the service first). Tools come from node/node_modules.
 */
const path = require('path')

const nodeDir = path.join(__dirname, '..', 'node')

module.exports = {
  rootDir: __dirname,
  testEnvironment: 'node',
  testMatch: ['<rootDir>/**/*.e2e.test.ts'],
  transform: {
    '^.+\\.ts$': [require.resolve('ts-jest', { paths: [nodeDir] }), { tsconfig: path.join(nodeDir, 'tsconfig.json') }],
  },
  testTimeout: 60000,
  // The runtime's tracing handles keep a test process alive after the suite.
  forceExit: true,
  // One suite owns port 5050 at a time.
  maxWorkers: 1,
}
