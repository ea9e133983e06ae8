import type { ToolDescriptor, ToolInvocation, ToolResult } from '@switchboard/contracts';
import { GatewayClient } from '@switchboard/gateway-client';

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
 * The HTTP adapter: a {@link GatewayClient} per task token, sent bound to this agent's key (GATEWAY_AGENT_KEY).
 *
 * @example
 * { provide: ToolGateway, useValue: new HttpToolGateway('http://gateway:3200', 10_000, config.GATEWAY_AGENT_KEY) }
 */
export class HttpToolGateway extends ToolGateway {
  constructor(private readonly baseUrl: string, private readonly timeoutMs: number, private readonly agentKey: string) {
    super();
  }

  session(token: string): ToolSession {
    return new GatewayClient({ baseUrl: this.baseUrl, token, agentKey: this.agentKey, timeoutMs: this.timeoutMs });
  }
}
