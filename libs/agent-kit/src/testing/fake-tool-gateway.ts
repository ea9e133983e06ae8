import type { ToolDescriptor, ToolInvocation, ToolResult } from '@switchboard/contracts';
import { ToolGateway, type ToolSession } from '../tool-gateway.port';

export type ToolResponder = (tool: string, invocation: ToolInvocation, token: string) => ToolResult;

/**
 * A named test double of the tool gateway for unit tests: serves a fixed catalogue and answers invocations from a
 * responder function, recording every call. An invocation the responder does not handle fails the test.
 * Integration and end-to-end tests use the real gateway over HTTP instead.
 *
 * @example
 * const gateway = new FakeToolGateway(tools, (tool, inv) => ({ status: 'ok', tool, result: { status: 'fresh' }, replayed: false }));
 */
export class FakeToolGateway extends ToolGateway {
  readonly invocations: Array<{ token: string; tool: string; invocation: ToolInvocation }> = [];
  /** The token of every catalogue listing, in order. */
  readonly listings: string[] = [];

  constructor(private readonly tools: ToolDescriptor[], private readonly responder: ToolResponder) {
    super();
  }

  session(token: string): ToolSession {
    return {
      listTools: async () => {
        this.listings.push(token);
        return this.tools;
      },
      invoke: async (tool, invocation) => {
        this.invocations.push({ token, tool, invocation: structuredClone(invocation) });
        const result = this.responder(tool, invocation, token);
        if (!result) throw new Error(`FakeToolGateway: unexpected call of ${tool} ${JSON.stringify(invocation.arguments)}`);
        return result;
      },
    };
  }

  callsOf(tool: string): ToolInvocation[] {
    return this.invocations.filter((i) => i.tool === tool).map((i) => i.invocation);
  }
}
