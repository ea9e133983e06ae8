import { createHmac } from 'node:crypto';
import type { Envelope, SupervisorCommand } from '@switchboard/contracts';
import { canonicalJson, COMMAND_SIGNATURE_HEADER, CommandKeysSchema, CommandRefusedError, CommandSignatures, commandSigningInput } from './command-signature';

const KEYS = CommandKeysSchema.parse('console:console-key-0123456789abcdef0123456789,ops-bot:ops-bot-key-0123456789abcdef012345678');
const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const command = (over: Partial<Envelope<SupervisorCommand>> = {}): Envelope<SupervisorCommand> => ({
  id: '5b1f9d3e-1c1a-4a8e-9c55-0f4f5e6d7a8b', type: 'supervisor.command', version: 1, caseId: 'case_0123456789abcdef01234567', tenantId: 'globex',
  region: 'us-east-1', correlationId: 'c1', causationId: null, attempt: 0, occurredAt: new Date(T0).toISOString(),
  payload: { command: 'approve', approvalId: 'apr_1', by: { userId: 'ana', role: 'supervisor' } }, ...over,
});

describe('CommandSignatures', () => {
  let now = T0;
  const sut = new CommandSignatures(KEYS, 3600, () => now);
  beforeEach(() => (now = T0));

  it('accepts what it signed, and names the key', () => {
    const envelope = command();
    expect(sut.verify(envelope, sut.sign(envelope))).toBe('console');
  });

  it('accepts a command an outside publisher signed with its own listed key, computed as docs/security.md describes', () => {
    const envelope = command();
    const t = Math.floor(T0 / 1000);
    const input = ['switchboard.supervisor-command.v1', 'ops-bot', String(t), envelope.caseId, envelope.id, canonicalJson(envelope.payload)].join('\n');
    expect(input).toBe(commandSigningInput('ops-bot', t, envelope));
    expect(canonicalJson(envelope.payload)).toBe('{"approvalId":"apr_1","by":{"role":"supervisor","userId":"ana"},"command":"approve"}');
    const sig = createHmac('sha256', 'ops-bot-key-0123456789abcdef012345678').update(input).digest('base64url');
    expect(sut.verify(envelope, { [COMMAND_SIGNATURE_HEADER]: `v1,kid=ops-bot,t=${t},sig=${sig}` })).toBe('ops-bot');
  });

  it('refuses an unsigned, malformed or unknown-key command', () => {
    const envelope = command();
    const refusal = (headers: Record<string, string>) => {
      try {
        sut.verify(envelope, headers);
      } catch (error) {
        return (error as CommandRefusedError).refusal;
      }
      return 'accepted';
    };
    expect(refusal({})).toBe('UNSIGNED');
    expect(refusal({ [COMMAND_SIGNATURE_HEADER]: 'v1,kid=console' })).toBe('MALFORMED');
    expect(refusal({ [COMMAND_SIGNATURE_HEADER]: 'v2,kid=console,t=1,sig=' + 'a'.repeat(43) })).toBe('MALFORMED');
    const other = new CommandSignatures(CommandKeysSchema.parse('stranger:stranger-key-0123456789abcdef0123456'), 3600, () => now);
    expect(refusal(other.sign(envelope))).toBe('UNKNOWN_KEY');
  });

  it('refuses a signature moved to another case, command, envelope id or time (FORGED), or signed with the wrong secret', () => {
    const envelope = command();
    const headers = sut.sign(envelope);
    const forged = [
      command({ caseId: 'case_ffffffffffffffffffffffff' }),
      command({ id: '6b1f9d3e-1c1a-4a8e-9c55-0f4f5e6d7a8b' }),
      command({ payload: { command: 'approve', approvalId: 'apr_2', by: { userId: 'ana', role: 'supervisor' } } }),
      command({ payload: { command: 'approve', approvalId: 'apr_1', by: { userId: 'mallory', role: 'supervisor' } } }),
      command({ payload: { command: 'close', by: { userId: 'ana', role: 'supervisor' } } }),
    ];
    for (const f of forged) expect(() => sut.verify(f, headers)).toThrow(expect.objectContaining({ code: 'SUPERVISOR.COMMAND_FORGED', category: 'user' }));
    const moved = headers[COMMAND_SIGNATURE_HEADER]!.replace(/t=(\d+)/, (_m, t: string) => `t=${Number(t) + 10}`);
    expect(() => sut.verify(envelope, { [COMMAND_SIGNATURE_HEADER]: moved })).toThrow(expect.objectContaining({ refusal: 'FORGED' }));
    const wrongSecret = new CommandSignatures(CommandKeysSchema.parse('console:not-the-console-key-0123456789abcdef0'), 3600, () => now);
    expect(() => sut.verify(envelope, wrongSecret.sign(envelope))).toThrow(expect.objectContaining({ refusal: 'FORGED' }));
  });

  it('refuses a command older than the maximum age, or signed in the future', () => {
    const envelope = command();
    const headers = sut.sign(envelope);
    now = T0 + 3600_000;
    expect(sut.verify(envelope, headers)).toBe('console');
    now = T0 + 3601_000;
    expect(() => sut.verify(envelope, headers)).toThrow(expect.objectContaining({ refusal: 'EXPIRED', message: expect.stringContaining('send it again') }));
    now = T0 - 120_000;
    expect(() => sut.verify(envelope, headers)).toThrow(expect.objectContaining({ refusal: 'EXPIRED' }));
  });

  it('config: needs at least one key of 32+ characters with unique ids', () => {
    expect(CommandKeysSchema.safeParse('').success).toBe(false);
    expect(CommandKeysSchema.safeParse('console:short').success).toBe(false);
    expect(CommandKeysSchema.safeParse('a:0123456789abcdef0123456789abcdef,a:0123456789abcdef0123456789abcdeX').success).toBe(false);
    expect(CommandKeysSchema.parse(' console:0123456789abcdef0123456789abcdef ')).toEqual([{ id: 'console', secret: '0123456789abcdef0123456789abcdef' }]);
  });
});
