import { configureLogging, JsonLogger } from './logger';

describe('JsonLogger redaction', () => {
  const lines: string[] = [];
  beforeAll(() => configureLogging({ level: 'debug', sink: (line) => lines.push(line) }));
  afterAll(() => configureLogging({ level: 'error', sink: (line) => process.stdout.write(`${line}\n`) }));
  beforeEach(() => (lines.length = 0));

  it('masks fields whose names look secret, and credentials written inside any text', () => {
    const sut = new JsonLogger('spec');
    sut.warn('model output invalid: "my password is hunter2"', {
      apiKey: 'abc', detail: { body: 'Passwort: Sommer2024!', tags: ['token=abcDEF123456ghi'] }, error: new Error('refused Bearer abcdefghijklmnopqrstuvwxyz012345'), count: 2,
    });
    expect(lines).toHaveLength(1);
    for (const secret of ['hunter2', 'Sommer2024', 'abcDEF123456ghi', 'abcdefghijklmnopqrstuvwxyz012345']) expect(lines[0]).not.toContain(secret);
    const line = JSON.parse(lines[0]!);
    expect(line).toMatchObject({ level: 'warn', context: 'spec', msg: 'model output invalid: "my password is [REDACTED:password]"', apiKey: '***', count: 2 });
    expect(line.detail.body).toBe('Passwort: [REDACTED:password]');
  });

  it('leaves ordinary lines alone', () => {
    new JsonLogger('spec').info('case transition', { from: 'RECEIVED', to: 'TRIAGED', reason: 'task token minted for the resolver' });
    expect(JSON.parse(lines[0]!)).toMatchObject({ msg: 'case transition', from: 'RECEIVED', to: 'TRIAGED', reason: 'task token minted for the resolver' });
  });
});
