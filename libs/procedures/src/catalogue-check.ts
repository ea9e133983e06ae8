import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { Procedure, SlotSpec, SuccessCheck, ToolDescriptor } from '@switchboard/contracts';
import { compileExpression } from './expression';
import type { ProcedureProblem, ProcedureSet } from './procedure-set';

type JsonSchema = Record<string, unknown>;

/**
 * Checks a procedure set against the gateway's tool catalogue: every tool exists with the right scope, every required
 * argument is bound and no unknown one is, constant arguments and slot types satisfy the tool's JSON Schema (ajv),
 * every write tool has a read-back check, tenant-scoped tools bind the ticket's tenant, allow-lists name real tools.
 * Returns every problem (empty: the set fits the catalogue).
 *
 * @example
 * const problems = checkAgainstCatalogue(set, catalogue.descriptors());
 * if (problems.length) throw new ProcedureSetError(problems);
 */
export function checkAgainstCatalogue(set: ProcedureSet, tools: readonly ToolDescriptor[]): ProcedureProblem[] {
  const byName = new Map(tools.map((t) => [t.name, t]));
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  const validators = new Map<string, ValidateFunction>();
  const problems: ProcedureProblem[] = [];

  for (const name of set.intents()) {
    const intent = set.intent(name)!;
    for (const tool of intent.tools ?? []) {
      if (!byName.has(tool)) problems.push({ path: `${intent.file} › tools`, message: `no tool named ${tool} in the catalogue` });
    }
    intent.success.forEach((c, i) => checkRead(c.read, c.with, `${intent.file} › success.${i} (${c.id})`, {}));
    for (const p of intent.procedures) checkProcedure(p, `${intent.file} › ${p.id}@${p.version}`);
  }
  return problems;

  function checkProcedure(p: Procedure, where: string): void {
    p.steps.forEach((s, i) => {
      if ('read' in s) checkRead(s.read, s.with, `${where} › steps.${i} (${s.id})`, p.slots);
      if ('write' in s) {
        const at = `${where} › steps.${i} (${s.id})`;
        const tool = byName.get(s.write);
        if (!tool) return void problems.push({ path: at, message: `no tool named ${s.write} in the catalogue` });
        if (tool.scope !== 'write') problems.push({ path: at, message: `${s.write} is a ${tool.scope} tool; use read:` });
        if (!tool.readBack) problems.push({ path: at, message: `${s.write} has no read-back check in the catalogue, so its effect cannot be proven` });
        checkArguments(tool, s.with, at, p.slots);
      }
    });
    p.success.forEach((c: SuccessCheck, i) => checkRead(c.read, c.with, `${where} › success.${i} (${c.id})`, p.slots));
  }

  function checkRead(name: string, bindings: Record<string, string>, at: string, slots: Record<string, SlotSpec>): void {
    const tool = byName.get(name);
    if (!tool) return void problems.push({ path: at, message: `no tool named ${name} in the catalogue` });
    if (tool.scope !== 'read') problems.push({ path: at, message: `${name} is a ${tool.scope} tool; reads and success checks use read tools` });
    checkArguments(tool, bindings, at, slots);
  }

  function checkArguments(tool: ToolDescriptor, bindings: Record<string, string>, at: string, slots: Record<string, SlotSpec>): void {
    const schema = tool.inputSchema as JsonSchema;
    const properties = (schema['properties'] ?? {}) as Record<string, JsonSchema>;
    const required = (schema['required'] ?? []) as string[];
    for (const arg of required) {
      if (!(arg in bindings)) problems.push({ path: `${at} › with`, message: `${tool.name} requires ${arg}, which is not bound` });
    }
    if ('tenantId' in properties && !('tenantId' in bindings)) problems.push({ path: `${at} › with`, message: `${tool.name} takes tenantId: bind it to ticket.tenantId` });
    for (const [arg, source] of Object.entries(bindings)) {
      const property = properties[arg];
      if (!property) {
        if (schema['additionalProperties'] === false) problems.push({ path: `${at} › with.${arg}`, message: `${tool.name} has no argument ${arg}` });
        continue;
      }
      const constant = constantOf(source);
      if (constant.is) {
        const valid = validator(`${tool.name}.${arg}`, property);
        if (!valid(constant.value)) problems.push({ path: `${at} › with.${arg}`, message: `${JSON.stringify(constant.value)} does not satisfy ${tool.name}.${arg}: ${ajv.errorsText(valid.errors)}` });
        continue;
      }
      const slot = /^\s*slots\.([a-z][a-z0-9_-]*)\s*$/.exec(source)?.[1];
      const spec = slot ? slots[slot] : undefined;
      if (spec) {
        const expected = typesOf(property);
        const slotType = spec.type === 'integer' ? ['integer', 'number'] : [spec.type];
        if (expected.length > 0 && !slotType.some((t) => expected.includes(t))) {
          problems.push({ path: `${at} › with.${arg}`, message: `slot ${slot} is a ${spec.type} but ${tool.name}.${arg} takes ${expected.join(' | ')}` });
        }
        if (spec.default !== undefined) {
          const valid = validator(`${tool.name}.${arg}`, property);
          if (!valid(spec.default)) problems.push({ path: `${at} › with.${arg}`, message: `the default of slot ${slot} (${JSON.stringify(spec.default)}) does not satisfy ${tool.name}.${arg}: ${ajv.errorsText(valid.errors)}` });
        }
      }
    }
  }

  function validator(key: string, schema: JsonSchema): ValidateFunction {
    let v = validators.get(key);
    if (!v) {
      v = ajv.compile(schema);
      validators.set(key, v);
    }
    return v;
  }
}

function typesOf(schema: JsonSchema): string[] {
  const t = schema['type'];
  if (typeof t === 'string') return t === 'integer' ? ['integer'] : [t];
  if (Array.isArray(t)) return t as string[];
  if (schema['format'] === 'email' || schema['pattern'] !== undefined) return ['string'];
  return [];
}

/** Whether an expression is a constant (no variable read), and its value. */
function constantOf(source: string): { is: true; value: unknown } | { is: false } {
  const compiled = compileExpression(source);
  if (compiled.references.length > 0) return { is: false };
  try {
    return { is: true, value: compiled.evaluate({}) };
  } catch {
    return { is: false };
  }
}
