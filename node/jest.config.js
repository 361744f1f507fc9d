/** Unit tests: `*.test.ts` next to the code. End-to-end tests live in ../tests (npm run test:e2e). */
module.exports = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  roots: ['<rootDir>'],
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/.build/'],
}
