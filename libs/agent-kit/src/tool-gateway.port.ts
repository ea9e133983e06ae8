import type { ToolDescriptor, ToolInvocation, ToolResult } from '@switchboard/contracts';
import { GatewayClient, GatewayClientError } from '@switchboard/gateway-client';
import { DependencyUnavailableError } from '@switchboard/observability';

/** An agent's only way to reach company systems: a gateway session bound to one task token. */
export interface ToolSession {
  listTools(): Promise<ToolDescriptor[]>;
  invoke(tool: string, invocation: ToolInvocation): Promise<ToolResult>;
}

/**
 * Opens gateway sessions for task tokens. Agents hold no backend credentials: the token (minted per task by the
 * supervisor) is all they present, bound to the agent's own gateway key so that a copy of it is worth nothing.
 *
 * @example
 * const tools = await gateway.session(task.gatewayToken).listTools();
 */
export abstract class ToolGateway {
  abstract session(token: string): ToolSession;
}

/**
 * The HTTP adapter: a {@link GatewayClient} per task token, sent bound to this agent's key (GATEWAY_AGENT_KEY). A
 * gateway that cannot be reached or does not answer in time, or says it cannot list tools (its own database down), is
 * a dependency outage, not a tool error the model could correct: `invoke` and `listTools` throw
 * `DependencyUnavailableError('gateway')` then (the agent worker hands the task back to the bus, which runs it again
 * once the gateway is back), while every answer the gateway gives — errors included — is returned as it is.
 *
 * @example
 * { provide: ToolGateway, useValue: new HttpToolGateway('http://gateway:3200', 10_000, config.GATEWAY_AGENT_KEY) }
 */
export class HttpToolGateway extends ToolGateway {
  constructor(private readonly baseUrl: string, private readonly timeoutMs: number, private readonly agentKey?: string, private readonly fetchFn: typeof fetch = fetch) {
    super();
  }

  session(token: string): ToolSession {
    const client = (onUnreachable?: (error: unknown) => void) => new GatewayClient({
      baseUrl: this.baseUrl, token, timeoutMs: this.timeoutMs, ...(this.agentKey ? { agentKey: this.agentKey } : {}),
      fetch: async (input, init) => {
        try {
          return await this.fetchFn(input, init);
        } catch (error) {
          onUnreachable?.(error);
          throw error;
        }
      },
    });
    return {
      listTools: async () => {
        try {
          return await client().listTools();
        } catch (error) {
          // Listing calls no backend, so BACKEND_UNAVAILABLE here is the gateway itself (its database) unavailable;
          // a network failure arrives as the cause, which isDependencyUnavailable recognises anyway.
          if (error instanceof GatewayClientError && error.gatewayCode === 'BACKEND_UNAVAILABLE') {
            throw new DependencyUnavailableError('gateway', `gateway cannot list tools: ${error.message}`, { cause: error });
          }
          throw error;
        }
      },
      invoke: async (tool, invocation) => {
        let unreachable: unknown;
        const result = await client((error) => (unreachable = error)).invoke(tool, invocation);
        if (unreachable !== undefined) {
          // A timed-out write may have run; the re-run sends the same call reference and the gateway replays it.
          throw new DependencyUnavailableError('gateway', `gateway did not answer ${tool}: ${(unreachable as Error).message}`, { cause: unreachable });
        }
        return result;
      },
    };
  }
}
