import { redactSecrets, redactSecretsDeep } from './secret-text';

/** [text, the secret that must disappear, the kind reported] */
const SECRETS: Array<[string, string, string]> = [
  // English, with and without punctuation
  ['password: hunter2', 'hunter2', 'password'],
  ['Password=hunter2', 'hunter2', 'password'],
  ['my password is hunter2', 'hunter2', 'password'],
  ['My pw is Tr0ub4dor&3 please reset', 'Tr0ub4dor&3', 'password'],
  ['pw: s3cr3t!', 's3cr3t!', 'password'],
  ['pwd=letmein99', 'letmein99', 'password'],
  ['The password for my admin account is "correct horse battery staple".', 'correct horse battery staple', 'password'],
  ["the passphrase is 'open sesame 42'", 'open sesame 42', 'password'],
  ['my password was Summer2024', 'Summer2024', 'password'],
  ['passcode - 884422', '884422', 'password'],
  ['I changed my password to Winter#2025 yesterday', 'Winter#2025', 'password'],
  ['Login credentials: admin/Sup3rS3cret', 'admin/Sup3rS3cret', 'password'],
  ['the password I used is qwerty123', 'qwerty123', 'password'],
  ['PIN: 4821', '4821', 'password'],
  // Other languages
  ['Mein Passwort lautet Sommer2024!', 'Sommer2024!', 'password'],
  ['Passwort ist geheim123', 'geheim123', 'password'],
  ['Kennwort: Bratwurst7', 'Bratwurst7', 'password'],
  ['mon mot de passe est soleil42', 'soleil42', 'password'],
  ['Mot de passe : Ch@mpagne', 'Ch@mpagne', 'password'],
  ['mi contraseña es perro123', 'perro123', 'password'],
  ['Contraseña: gato456', 'gato456', 'password'],
  ['minha senha é banana77', 'banana77', 'password'],
  ['la password è pizza2024', 'pizza2024', 'password'],
  ['mijn wachtwoord is fiets88', 'fiets88', 'password'],
  ['moje hasło: zaq12wsx', 'zaq12wsx', 'password'],
  ['lösenordet är Kanelbulle1', 'Kanelbulle1', 'password'],
  ['adgangskoden er Hygge2023', 'Hygge2023', 'password'],
  ['salasana: Sauna123', 'Sauna123', 'password'],
  ['şifrem: Istanbul34', 'Istanbul34', 'password'],
  ['heslo je Praha2020', 'Praha2020', 'password'],
  ['мой пароль: медведь2024', 'медведь2024', 'password'],
  ['пароль это Zima2025', 'Zima2025', 'password'],
  ['パスワードは sakura2024 です', 'sakura2024', 'password'],
  ['密码是abc12345', 'abc12345', 'password'],
  ['密碼：hk998877', 'hk998877', 'password'],
  ['비밀번호는 kimchi77', 'kimchi77', 'password'],
  // Keys and tokens
  ['key sk_live_4eC39HqLyjWDarjtT1zdp7dc works', 'sk_live_4eC39HqLyjWDarjtT1zdp7dc', 'api_key'],
  ['AWS AKIAIOSFODNN7EXAMPLE is ours', 'AKIAIOSFODNN7EXAMPLE', 'aws_key'],
  ['aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 'secret'],
  ['client_secret: 8f14e45fceea167a5a36dedd4bea2543', '8f14e45fceea167a5a36dedd4bea2543', 'secret'],
  ['our API key is 9c1185a5c5e9fc54612808977ee8f548b2258d31', '9c1185a5c5e9fc54612808977ee8f548b2258d31', 'secret'],
  ['token=abcDEF123456ghi', 'abcDEF123456ghi', 'secret'],
  ['Authorization: Bearer abcdefghijklmnopqrstuvwxyz012345', 'abcdefghijklmnopqrstuvwxyz012345', 'bearer_token'],
  ['Authorization: Basic YWRtaW46aHVudGVyMg==', 'YWRtaW46aHVudGVyMg==', 'basic_auth'],
  ['jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U', 'dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U', 'jwt'],
  ['ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789 leaked', 'ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789', 'api_key'],
  ['slack xoxb-123456789012-abcdefghijkl', 'xoxb-123456789012-abcdefghijkl', 'api_key'],
  ['google AIzaSyA1234567890abcdefghijklmnopqrstuv', 'AIzaSyA1234567890abcdefghijklmnopqrstuv', 'api_key'],
  ['openai sk-proj-abcdefghijklmnopqrstuvwxyz123456', 'sk-proj-abcdefghijklmnopqrstuvwxyz123456', 'api_key'],
  ['db postgres://app:Pa55w0rd@db.internal:5432/prod', 'Pa55w0rd', 'url_credentials'],
  ['card 4242 4242 4242 4242 declined', '4242 4242 4242 4242', 'card_number'],
];

const PRIVATE_KEY = `here is our key
-----BEGIN RSA PRIVATE KEY-----
MIIEpAIBAAKCAQEA0Z3VS5JJcds3xfn/ygWyF8PbnGy0AHB7MhgHcTz6sE2I2yPB
aFDrBz9vFqU4yQ3vAmFr1x0S2nVhU5XbVvZQ2h1l8sA8i9s1kL0pQ7f2GQ==
-----END RSA PRIVATE KEY-----
thanks`;

describe('redactSecrets', () => {
  it.each(SECRETS)('%s', (text, secret, kind) => {
    const sut = redactSecrets(text);
    expect(sut.text).not.toContain(secret);
    expect(sut.text).toContain(`[REDACTED:${kind}]`);
    expect(sut.kinds).toContain(kind);
    expect(sut.count).toBeGreaterThanOrEqual(1);
  });

  it('keeps the words around a password so the text still reads', () => {
    expect(redactSecrets('my password is hunter2, please reset it').text).toBe('my password is [REDACTED:password], please reset it');
    expect(redactSecrets('Mot de passe : soleil42').text).toBe('Mot de passe : [REDACTED:password]');
  });

  it('removes a whole private key block, and one cut off without its END line', () => {
    const sut = redactSecrets(PRIVATE_KEY);
    expect(sut.text).toBe('here is our key\n[REDACTED:private_key]\nthanks');
    expect(redactSecrets('key: -----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA').text).not.toContain('b3BlbnNzaC1rZXktdjEAAAAA');
  });

  it('keeps the user of a URL with credentials and removes the password', () => {
    expect(redactSecrets('see https://ops:hunter2@status.example.com/x').text).toBe('see https://ops:[REDACTED:url_credentials]@status.example.com/x');
  });

  it.each([
    'My password is not working since yesterday.',
    'The password is wrong, I get an error.',
    'Our password reset link is broken.',
    'Passwort ist abgelaufen, bitte zurücksetzen.',
    'mon mot de passe est incorrect',
    'The token is invalid according to the dashboard.',
    'Please send the password reset email to ops@globex.example.',
    'Basic information about the account is missing.',
    'invoice 1234 5678 9012 3456 was charged twice',
    'Our dashboard has been blank since yesterday for tenant globex.',
    'The API key rotation policy is documented.',
  ])('leaves prose that names no credential alone: %s', (text) => {
    expect(redactSecrets(text)).toEqual({ text, kinds: [], count: 0 });
  });

  it('is idempotent: redacted text passes through unchanged', () => {
    for (const [text] of SECRETS) {
      const once = redactSecrets(text).text;
      expect(redactSecrets(once)).toEqual({ text: once, kinds: [], count: 0 });
    }
  });

  it('redacts every credential of a longer text and counts them', () => {
    const sut = redactSecrets('user bob, password: hunter2; key AKIAIOSFODNN7EXAMPLE; Bearer abcdefghijklmnopqrstuvwxyz012345');
    expect(sut.count).toBe(3);
    expect(sut.kinds.sort()).toEqual(['aws_key', 'bearer_token', 'password']);
  });
});

describe('redactSecretsDeep', () => {
  it('redacts strings inside objects and arrays and leaves other values', () => {
    expect(redactSecretsDeep({ subject: 'pw: x1y2z3', tags: ['password=abc123'], n: 1, ok: true, none: null })).toEqual({
      subject: 'pw: [REDACTED:password]', tags: ['password=[REDACTED:password]'], n: 1, ok: true, none: null,
    });
  });
});
