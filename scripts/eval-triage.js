#!/usr/bin/env node
// Entry point of `npm run eval:triage -- [--model local|scripted|policy] [--set labelled|blind] [--out <file>]`: runs the triage evaluation in
// test/triage (TypeScript, outside the build) through the same swc transform jest uses, in a plain node process so the
// in-process llama.cpp model can load. Needs the local models (scripts/fetch-model, scripts/fetch-embeddings), no infra.
require('../libs/llm/test/support/swc-register.js');
require('../test/triage/eval.ts');
