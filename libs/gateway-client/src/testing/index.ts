import type { ToolDescriptor, ToolInvocation, ToolResult } from '@switchboard/contracts';

/** One expected call and the result to return for it. */
export interface ScriptedCall {
  tool: string;
  /** When given, the call's arguments must deep-equal these. */
  arguments?: Record<string, unknown>;
  result: ToolResult | ((invocation: ToolInvocation) => ToolResult);
}

/**
 * Test double with the GatewayClient surface (`listTools`, `invoke`): answers scripted calls in order and throws on
 * any call it was not told about, so a test fails loudly instead of passing on a silent default (STYLE.md §9).
 *
 * @example
 * const gw = new ScriptedGatewayClient(tools, [
 *   { tool: 'get_cache_status', result: { status: 'ok', tool: 'get_cache_status', result: { status: 'stale' }, replayed: false } },
 * ]);
 * await sut.handle(task, { gateway: gw });
 * gw.assertDone();
 */
export class ScriptedGatewayClient {
  readonly calls: Array<{ tool: string; invocation: ToolInvocation }> = [];
  private readonly script: ScriptedCall[];

  constructor(private readonly tools: ToolDescriptor[], script: ScriptedCall[]) {
    this.script = [...script];
  }

  async listTools(): Promise<ToolDescriptor[]> {
    return this.tools;
  }

  async invoke(tool: string, invocation: ToolInvocation): Promise<ToolResult> {
    this.calls.push({ tool, invocation });
    const next = this.script.shift();
    if (!next) throw new Error(`ScriptedGatewayClient: unexpected call ${tool}(${JSON.stringify(invocation.arguments)})`);
    if (next.tool !== tool) throw new Error(`ScriptedGatewayClient: expected ${next.tool}, got ${tool}`);
    if (next.arguments && JSON.stringify(sorted(next.arguments)) !== JSON.stringify(sorted(invocation.arguments))) {
      throw new Error(`ScriptedGatewayClient: ${tool} called with ${JSON.stringify(invocation.arguments)}, expected ${JSON.stringify(next.arguments)}`);
    }
    return typeof next.result === 'function' ? next.result(invocation) : next.result;
  }

  /** Throws if scripted calls were never made. */
  assertDone(): void {
    if (this.script.length > 0) throw new Error(`ScriptedGatewayClient: ${this.script.length} scripted call(s) never made: ${this.script.map((s) => s.tool).join(', ')}`);
  }
}

function sorted(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sorted);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, sorted(v)]));
  return value;
}
