#!/usr/bin/env node
// Entry point of `npm run eval -- --model scripted|chaos|local|ollama|bedrock --k 4`: runs the scenario suite in
// test/scenarios (TypeScript, outside the build) through the same swc transform jest uses, in a plain node process so
// the in-process llama.cpp model can load. Needs `scripts/infra up` (Kafka + Postgres).
require('../libs/llm/test/support/swc-register.js');
require('../test/scenarios/eval.ts');
