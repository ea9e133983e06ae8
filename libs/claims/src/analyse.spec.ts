import { analyseSentence, topicsOf } from './analyse';
import { DEFAULT_RULES } from './default-rules';

const kind = (s: string) => analyseSentence(s, DEFAULT_RULES).kind;
const topics = (s: string) => analyseSentence(s, DEFAULT_RULES).topics.sort();

describe('neutral or claim', () => {
  it.each([
    'Hi Anna,',
    'Thanks for your patience!',
    'Sorry for the inconvenience, and let us know if you have trouble logging in.',
    'Could you tell us which browser you are using?',
    'You can enable SSO under Settings → Security.',
    'To invite a new member, open Settings → Members and click Invite.',
    'If the page is still blank, please clear your browser cache and reload.',
    'Refunds usually appear on your statement within 5–10 business days.',
    'Trials can only be extended by our sales team.',
    'You reported being locked out after several attempts.',
    'SSO lives under Settings → Security.',
    "I'm afraid I can't change billing details from here.",
    'Best regards,',
    'Switchboard Support',
    "N'hésitez pas à nous recontacter si besoin.",
    'Sie können SSO unter Einstellungen → Sicherheit aktivieren.',
    'Para evitar futuros bloqueos, active la autenticación en dos pasos.',
  ])('neutral: %s', (sentence) => {
    expect(kind(sentence)).toBe('neutral');
  });

  it.each([
    ['We reset your tenant cache.', 'change'],
    ['I have enabled SSO for you.', 'change'],
    ['Your account has been unlocked.', 'change'],
    ['We will refund the $40 tomorrow.', 'change'],
    ["C'est réglé, tout fonctionne à nouveau.", 'state'],
    ['Ihr Konto wurde entsperrt.', 'change'],
    ['Hemos reembolsado 40 USD.', 'change'],
    ['Your dashboard works again.', 'state'],
    ['Your cache is fresh.', 'state'],
    // a neutral frame does not hide a claim inside it
    ['You can sign in again.', 'state'],
    ['Thanks for waiting, we have reset your cache.', 'change'],
    ["Your account is not locked, so you can simply use 'Forgot password'.", 'state'],
    ['If you refresh, your dashboard works again.', 'state'],
  ])('claim: %s → %s', (sentence, expected) => {
    expect(kind(sentence)).toBe(expected);
  });

  it('fails closed: wording it does not know is a claim without topics, never neutral', () => {
    const unknown = analyseSentence('Il tuo account è stato sbloccato.', DEFAULT_RULES);
    expect(unknown.kind).not.toBe('neutral');
    expect(unknown.topics).toEqual([]);
    expect(kind('Uw account is ontgrendeld.')).not.toBe('neutral');
    expect(kind('All good!')).not.toBe('neutral');
  });

  it('in an answer (no_action), reads an impersonal statement as documentation, but not one about the customer or us', () => {
    expect(analyseSentence('Admins invite users from the Users page.', DEFAULT_RULES).kind).toBe('state');
    expect(analyseSentence('Admins invite users from the Users page.', DEFAULT_RULES, { answer: true }).kind).toBe('neutral');
    expect(analyseSentence('Refunds above 500 EUR need approval from finance.', DEFAULT_RULES, { answer: true }).kind).toBe('neutral');
    expect(analyseSentence('Your account is not locked.', DEFAULT_RULES, { answer: true }).kind).toBe('state');
    expect(analyseSentence('The refund has been issued.', DEFAULT_RULES, { answer: true }).kind).toBe('change');
  });

  it('reading is not changing: "I checked" alone asserts no change', () => {
    const read = analyseSentence('I checked your tenant: the cache is fresh.', DEFAULT_RULES);
    expect(read.kind).toBe('state');
    expect(read.topics).toEqual(['cache']);
  });

  it('marks a pronoun subject as referring back', () => {
    expect(analyseSentence('It now ends on 2026-12-09.', DEFAULT_RULES).clauses[0]!.anaphoric).toBe(true);
    expect(analyseSentence('We extended your trial: it now ends on 2026-12-09.', DEFAULT_RULES).clauses.map((c) => c.anaphoric ?? false)).toEqual([false, true]);
    expect(analyseSentence('Your trial now ends on 2026-12-09.', DEFAULT_RULES).clauses[0]!.anaphoric).toBeUndefined();
  });
});

describe('topics', () => {
  it.each([
    ['We reset your tenant cache; your dashboard loads again.', ['cache', 'dashboard']],
    ['Hank can sign in once more.', ['account_unlock']],
    ['The money for the double charge is on its way back to your card.', ['refund']],
    ['Your evaluation period now runs 14 days longer.', ['trial']],
    ['Everything is back to normal.', ['fixed']],
    ['Nous avons réinitialisé le cache ; votre tableau de bord s’affiche de nouveau.', ['cache', 'dashboard']],
    ['Ihre Testphase wurde um 14 Tage verlängert.', ['trial']],
    ['Su cuenta ha sido desbloqueada.', ['account_unlock']],
    ['We unlocked your account and reset your password.', ['account_unlock', 'password']],
    ['Your users will see a Sign in with SSO button on the login page.', ['feature_flag']],
  ])('%s → %j', (sentence, expected) => {
    expect(topics(sentence)).toEqual([...expected].sort());
  });

  it('reads the flag and the direction a clause states', () => {
    expect(topicsOf('we turned off the new dashboard', DEFAULT_RULES).subjects).toEqual([
      { topic: 'feature_flag', nameField: 'flag', stateField: 'enabled', value: 'new-dashboard', direction: false },
    ]);
    expect(topicsOf('single sign-on is now turned on', DEFAULT_RULES).subjects[0]).toMatchObject({ value: 'sso', direction: true });
  });

  it('treats a flag named without a direction next to another topic as context', () => {
    const { topics: found, subjects } = topicsOf('we reset your tenant cache after the new-dashboard change', DEFAULT_RULES);
    expect(found).toEqual(['cache']);
    expect(subjects).toEqual([]);
  });
});
