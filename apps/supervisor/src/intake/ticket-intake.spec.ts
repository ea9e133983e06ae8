import { intakeFromHeader, mergeIntake } from './ticket-intake';

const redacted = { count: 1, kinds: ['password'], ruleVersion: 'credential-detectors:0123456789ab' };
const region = { claimed: 'us-east-1', placed: 'eu-sovereign', ruleVersion: 'tenant-registry:0123456789ab' };

describe('intake findings from the tickets.ingress header', () => {
  it('reads valid findings, and reports and ignores a header that is not JSON or not findings', () => {
    const warnings: string[] = [];
    const warn = (msg: string) => void warnings.push(msg);
    expect(intakeFromHeader(undefined, warn)).toBeNull();
    expect(intakeFromHeader(JSON.stringify({ redacted }), warn)).toEqual({ redacted });
    expect(intakeFromHeader('{not json', warn)).toBeNull();
    expect(intakeFromHeader(JSON.stringify({ redacted: { ...redacted, count: 'lots' } }), warn)).toBeNull();
    expect(intakeFromHeader(JSON.stringify({}), warn)).toBeNull();
    expect(intakeFromHeader(JSON.stringify({ redacted, extra: true }), warn)).toBeNull();
    expect(intakeFromHeader(JSON.stringify({ region: { ...region, ruleVersion: 'v1' } }), warn)).toBeNull();
    expect(warnings).toEqual([
      'intake header is not JSON; ignored', ...Array(4).fill('intake header is not valid intake findings; ignored'),
    ]);
  });

  it('merges: what this admission changed wins, an earlier admission fills the rest, null when nothing changed', () => {
    const here = { redacted: { ...redacted, count: 2 } };
    expect(mergeIntake(here, { region, redacted })).toEqual({ region, redacted: here.redacted });
    expect(mergeIntake(null, { region })).toEqual({ region });
    expect(mergeIntake(null, null)).toBeNull();
    expect(mergeIntake(null, undefined)).toBeNull();
  });
});
