#!/usr/bin/env node
// Entry point of `npm run eval:claims [-- --verbose] [--set <file.json>]`: measures unsupported-claim detection of
// apps/verifier/src/claims on the labelled replies, next to the old DEFAULT_CLAIM_RULES checker. Pure: no infra needed.
require('../../libs/llm/test/support/swc-register.js');
require('./eval.ts');
