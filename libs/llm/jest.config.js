// The LLM lib's tests need neither Kafka nor Postgres: this config runs its unit and integration specs with the
// root transform and module mapping but without the root integration project's infra global setup.
// Usage: npx jest -c libs/llm/jest.config.js [path]
const root = require('../../jest.config.js');
const unit = root.projects.find((p) => p.displayName === 'unit');

module.exports = {
  projects: [
    { ...unit, displayName: 'llm-unit', testMatch: ['<rootDir>/libs/llm/**/*.spec.ts'] },
    { ...unit, displayName: 'llm-integration', testMatch: ['<rootDir>/libs/llm/**/*.int-spec.ts'] },
  ],
};
