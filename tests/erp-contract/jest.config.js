/**
 * The ERP contract's Ponte side (client.test.ts): Ponte's own deliveries, captured for
 * check.py, and the contract's GraphQL documents against graphql/schema.graphql. Run by
 * tests/erp-contract/run.sh; tools come from node/node_modules.
 */
const path = require('path')

const nodeDir = path.join(__dirname, '..', '..', 'node')

module.exports = {
  rootDir: __dirname,
  testEnvironment: 'node',
  testMatch: ['<rootDir>/client.test.ts'],
  modulePaths: [path.join(nodeDir, 'node_modules')],
  transform: {
    '^.+\\.ts$': [require.resolve('ts-jest', { paths: [nodeDir] }), { tsconfig: path.join(nodeDir, 'tsconfig.json') }],
  },
}
