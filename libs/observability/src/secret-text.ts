import { createHash } from 'node:crypto';

/** Kinds of credentials {@link redactSecrets} recognises in free text. */
export type SecretKind =
  | 'password' | 'private_key' | 'jwt' | 'bearer_token' | 'basic_auth' | 'url_credentials' | 'aws_key' | 'api_key' | 'secret' | 'card_number';

/** What {@link redactSecrets} did to a text. */
export interface SecretRedaction {
  text: string;
  kinds: SecretKind[];
  count: number;
}

interface Detector {
  kind: SecretKind;
  pattern: RegExp;
  /** The replacement for one match, or undefined to leave it (a false positive). Default: the whole match. */
  replace?: (match: string, groups: Array<string | undefined>) => string | undefined;
}

const marker = (kind: SecretKind) => `[REDACTED:${kind}]`;
// Lookarounds instead of \b: \b only knows ASCII letters, and the labels below are in many scripts. Chinese, Japanese
// and Korean are written without spaces, so a letter of theirs next to a label is no word boundary to respect.
const WORD = '[\\p{Script=Latin}\\p{Script=Cyrillic}\\p{Script=Greek}\\p{N}_]';
const START = `(?<!${WORD})`;
const END = `(?!${WORD})`;

/**
 * Words that name a password, in the languages support tickets arrive in: English, German, French, Spanish,
 * Portuguese, Italian, Dutch, Polish, Swedish, Danish/Norwegian, Finnish, Turkish, Czech/Slovak, Russian/Ukrainian,
 * Greek, Japanese, Chinese and Korean.
 */
const PASSWORD_WORDS = [
  'pass(?:word|wd|phrase|code)s?', 'pass\\s+(?:word|code)', 'pwd', 'pw', 'kennwort', 'passwort', 'mot\\s+de\\s+passe', 'mdp',
  'contrase[ñn]a', 'senha', 'parola\\s+d[\'’]ordine', 'wachtwoord', 'has[łl]o', 'l[öo]senord(?:et)?', 'adgangskoden?', 'passord(?:et)?',
  'kodeord(?:et)?', 'salasana(?:ni|si)?', '[şs]ifre(?:m|si|n)?', 'parola', 'heslo', 'пароль', 'пароля', 'κωδικός', 'パスワード', '暗証番号', '密码', '密碼', '비밀번호',
  'credentials?', 'login\\s+credentials?',
].join('|');

/** Verbs between the word and the value: "my password is …", "Passwort lautet …", "mot de passe est …", "heslo je …". */
const IS_WORDS = ['is', 'was', 'would\\s+be', 'ist', 'lautet', 'war', 'est', '[ée]tait', 'es', 'era', 'é', 'è', 'fica', 'jest', 'är', 'var', 'er', 'oli', 'je', 'это', 'είναι'].join('|');
/** The same in scripts written without spaces: "パスワードは…", "密码是…", "비밀번호는…". */
const CJK_IS_WORDS = ['は', 'が', '是', '为', '為', '는', '은'].join('|');

/** Filler words allowed between the password word and the verb: "my password for the admin portal is …". */
const FILLER = '(?:\\s+(?:for|to|of|on|in|at|i|we|used|use|chose|picked|entered|typed|tried|my|the|our|your|this|that|account|login|portal|admin|user|root|vpn|wifi|wi-fi|email|mail|server|database|db|new|old|current|temporary|temp|f[üu]r|den|das|die|der|pour|le|la|du|de|para|el|del|la|do|da|per|il|voor|het|dla|för|till|kontot)){0,4}';

/** Values after "is" that describe the password rather than being it ("my password is not working"). */
const NOT_A_VALUE = new Set([
  'not', 'no', 'wrong', 'incorrect', 'invalid', 'expired', 'correct', 'right', 'empty', 'blank', 'missing', 'required', 'too', 'being',
  'still', 'the', 'a', 'an', 'my', 'now', 'reset', 'changed', 'locked', 'ok', 'okay', 'fine', 'broken', 'case', 'weak', 'strong', 'long',
  'short', 'different', 'same', 'unknown', 'forgotten', 'lost', 'also', 'already', 'definitely', 'probably', 'valid', 'working', 'rejected',
  'accepted', 'set', 'saved', 'stored', 'shown', 'hidden', 'asked', 'needed', 'in', 'on', 'at', 'for', 'of', 'to', 'and', 'or', 'but', 'so',
  'that', 'this', 'it', 'there', 'here', 'just', 'only', 'very', 'really', 'never', 'always', 'sent', 'there', 'nicht', 'falsch', 'abgelaufen',
  'korrekt', 'richtig', 'leer', 'gesperrt', 'pas', 'faux', 'expiré', 'bloqué', 'vide', 'incorrecta', 'correcta', 'caducada', 'vacía', 'não',
  'incorreta', 'errada', 'niet', 'onjuist', 'verkeerd', 'fel', 'inte', 'väärin', 'ei', 'yanlış', 'не', 'неверный', 'неправильный', 'nie',
  'nieprawidłowe', 'ne', 'špatně', 'sbagliata', 'scaduta', 'non',
]);

/** Sentence punctuation after a value is kept: "is hunter2, please" keeps its comma. */
const TRAILING = /[.,;:)\]}>'"«»“”]+$/;

/** A quoted value (spaces allowed) or a run of non-space characters. */
const VALUE = '(?:"([^"\\n]{1,200})"|\'([^\'\\n]{1,200})\'|“([^”\\n]{1,200})”|«\\s*([^»\\n]{1,200}?)\\s*»|「([^」\\n]{1,200})」|([^\\s，。、]{1,200}))';

function valueOf(groups: Array<string | undefined>, from: number): string | undefined {
  for (let i = from; i < from + 6; i++) if (groups[i] !== undefined) return groups[i];
  return undefined;
}

/** The match up to its value: label, filler and connector. */
function prefixOf(match: string, groups: Array<string | undefined>, from: number): string {
  const value = valueOf(groups, from);
  return value === undefined ? match : match.slice(0, match.lastIndexOf(value));
}

/** Replaces the value (the last of the match's text) by the marker, keeping the label so the text still reads. */
function keepLabel(kind: SecretKind, valueGroup: number, needsLooksSecret: boolean) {
  return (match: string, groups: Array<string | undefined>): string | undefined => {
    const value = valueOf(groups, valueGroup);
    if (value === undefined) return undefined;
    if (value.startsWith('[REDACTED:')) return undefined;
    const bare = value.replace(TRAILING, '');
    if (!bare) return undefined;
    if (needsLooksSecret && NOT_A_VALUE.has(bare.replace(/^[([{<'"«“]+/, '').toLowerCase())) return undefined;
    const at = match.lastIndexOf(value);
    return `${match.slice(0, at)}${marker(kind)}${value.slice(bare.length)}${match.slice(at + value.length)}`;
  };
}

function luhn(digits: string): boolean {
  const d = digits.replace(/\D/g, '');
  if (d.length < 13 || d.length > 19) return false;
  let sum = 0;
  for (let i = 0; i < d.length; i++) {
    let n = Number(d[d.length - 1 - i]);
    if (i % 2 === 1) { n *= 2; if (n > 9) n -= 9; }
    sum += n;
  }
  return sum % 10 === 0;
}

const DETECTORS: Detector[] = [
  { kind: 'private_key', pattern: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|$)/g },
  { kind: 'jwt', pattern: /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\b/g },
  {
    kind: 'url_credentials',
    pattern: /\b([a-z][a-z0-9+.-]{1,20}:\/\/)([^\s:/@]{1,100}):([^\s@/]{1,200})@/gi,
    replace: (_m, [scheme, user]) => `${scheme}${user}:${marker('url_credentials')}@`,
  },
  { kind: 'bearer_token', pattern: /\bBearer\s+[A-Za-z0-9._~+/=-]{16,}/gi },
  {
    kind: 'basic_auth',
    pattern: /\bBasic\s+([A-Za-z0-9+/]{8,}={0,2})(?![A-Za-z0-9+/=])/g,
    // Only base64 of "user:password" is a credential; "Basic information…" is not.
    replace: (_match, [b64]) => (/^[\x20-\x7e]+:[\x20-\x7e]+$/.test(Buffer.from(b64!, 'base64').toString('latin1')) ? marker('basic_auth') : undefined),
  },
  { kind: 'aws_key', pattern: /\b(?:AKIA|ASIA|AROA|AIDA)[A-Z0-9]{16}\b/g },
  { kind: 'api_key', pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{22,}|glpat-[A-Za-z0-9_-]{20,}|xox[abprs]-[A-Za-z0-9-]{10,}|AIza[0-9A-Za-z_-]{35}|sk-(?:proj-|ant-(?:api\d\d-)?)?[A-Za-z0-9_-]{20,}|SG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}|npm_[A-Za-z0-9]{36})\b/g },
  { kind: 'api_key', pattern: /\b(?:sk|pk|rk|api|key|tok)[-_](?:live|test|prod)?[-_]?[A-Za-z0-9]{16,}\b/gi },
  {
    // "aws_secret_access_key = …", "client secret: …", "API key is …": the value after a secret's name.
    kind: 'secret',
    pattern: new RegExp(`${START}((?:aws[-_ ]?)?secret(?:[-_ ]?access)?(?:[-_ ]?key)?|client[-_ ]?secret|api[-_ ]?(?:key|secret|token)|apikey|access[-_ ]?(?:key|token)|auth(?:entication|orization)?[-_ ]?token|refresh[-_ ]?token|session[-_ ]?token|private[-_ ]?key|signing[-_ ]?key|token)${END}(?:\\s*[:=]\\s*|\\s+(?:is|was|ist|est|es|é)\\s+)${VALUE}`, 'giu'),
    replace: (match, groups) => {
      const value = valueOf(groups, 1);
      // After a verb ("token is invalid") only a value that looks generated counts: letters and digits, 8+ long.
      if (!/[:=]/.test(prefixOf(match, groups, 1).slice(groups[0]!.length)) && !(value && /[A-Za-z]/.test(value) && /\d/.test(value) && value.length >= 8)) return undefined;
      return keepLabel('secret', 1, true)(match, groups);
    },
  },
  {
    kind: 'password',
    pattern: new RegExp(`${START}(?:${PASSWORD_WORDS})${END}${FILLER}(?:\\s*[:=：]\\s*|\\s+[-–—]\\s+|\\s+(?:${IS_WORDS})${END}(?:\\s*[:=：]\\s*|\\s+)|\\s*(?:${CJK_IS_WORDS})\\s*|\\s+(?=["'“«「]))${VALUE}`, 'giu'),
    replace: (match, groups) => keepLabel('password', 0, !/[:=：]|\s[-–—]\s/.test(prefixOf(match, groups, 0)))(match, groups),
  },
  {
    // "I changed my password to Hunter2!"
    kind: 'password',
    pattern: new RegExp(`${START}(?:set|changed?|reset|updated?|ge[äa]ndert|chang[ée])${END}(?:\\s+\\S+){0,2}?\\s+(?:${PASSWORD_WORDS})${END}\\s+(?:to|in|auf|en|à)\\s+${VALUE}`, 'giu'),
    replace: (match, groups) => keepLabel('password', 0, true)(match, groups),
  },
  {
    kind: 'password',
    pattern: new RegExp(`${START}(?:pin(?:\\s*code)?|code\\s+pin|PIN-Code)${END}\\s*(?:[:=]|is|ist|est|es)\\s*(\\d{4,8})${END}`, 'giu'),
    replace: (match, [digits]) => `${match.slice(0, match.lastIndexOf(digits!))}${marker('password')}`,
  },
  { kind: 'card_number', pattern: /\b(?:\d[ -]?){13,19}\b/g, replace: (match) => (luhn(match) ? marker('card_number') : undefined) },
];

/**
 * The version of the credential detectors {@link redactSecrets} runs: `credential-detectors:` and the first 12 hex
 * digits of the SHA-256 of every detector's kind, pattern and flags. A redaction verdict names it, so a changed pattern
 * is a new version of the rule.
 */
export const CREDENTIAL_DETECTORS_VERSION = `credential-detectors:${createHash('sha256').update(DETECTORS.map((d) => `${d.kind}:${d.pattern.flags}:${d.pattern.source}`).join('\n')).digest('hex').slice(0, 12)}`;

// One cheap test first: most text (and most log lines) names no credential at all.
const QUICK = new RegExp(
  `-----BEGIN|eyJ|:\\/\\/[^\\s/@]+:[^\\s@/]+@|bearer|basic\\s|AKIA|ASIA|AROA|AIDA|gh[pousr]_|github_pat_|glpat-|xox[abprs]-|AIza|sk-|SG\\.|npm_|(?:sk|pk|rk|api|key|tok)[-_]|secret|token|key|${PASSWORD_WORDS}|pin|(?:\\d[ -]?){13}`,
  'iu',
);

/**
 * Replaces credentials in free text with `[REDACTED:<kind>]`: passwords given in words in many languages ("password:
 * hunter2", "my pw is …", "Passwort lautet …", "mot de passe : …", "пароль: …", "密码是…"), private keys, JWTs, bearer and
 * basic credentials, credentials inside URLs, AWS access keys, vendor API keys (Stripe, GitHub, GitLab, Slack, Google,
 * OpenAI-style, SendGrid, npm), values named secret/token/API key, and card numbers (Luhn-checked). The label is kept so
 * the text still reads ("password: [REDACTED:password]"). Deterministic and model-free: it runs before any text reaches
 * a model, the case store, a log line or a helpdesk note. Text already redacted passes through unchanged.
 *
 * @example
 * redactSecrets('my password is hunter2').text; // 'my password is [REDACTED:password]'
 * redactSecrets('Kennwort: Sommer2024!').kinds; // ['password']
 */
export function redactSecrets(text: string): SecretRedaction {
  if (!text || !QUICK.test(text)) return { text, kinds: [], count: 0 };
  const kinds = new Set<SecretKind>();
  let count = 0;
  let out = text;
  for (const d of DETECTORS) {
    out = out.replace(d.pattern, (match: string, ...rest: unknown[]) => {
      const groups = rest.slice(0, rest.findIndex((r) => typeof r === 'number')) as Array<string | undefined>;
      const replaced = d.replace ? d.replace(match, groups) : marker(d.kind);
      if (replaced === undefined || replaced === match) return match;
      kinds.add(d.kind);
      count++;
      return replaced;
    });
  }
  return { text: out, kinds: [...kinds], count };
}

/**
 * {@link redactSecrets} for the values of an object (ticket subject and body, log fields): strings are redacted,
 * nested objects and arrays followed to a small depth; everything else is returned as it is.
 *
 * @example
 * redactSecretsDeep({ subject: 'pw: x1', n: 1 }); // { subject: 'pw: [REDACTED:password]', n: 1 }
 */
export function redactSecretsDeep<T>(value: T, depth = 0): T {
  if (typeof value === 'string') return redactSecrets(value).text as T;
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => redactSecretsDeep(v, depth + 1)) as T;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = redactSecretsDeep(v, depth + 1);
  return out as T;
}
