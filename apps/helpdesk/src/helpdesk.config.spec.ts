import { ConfigError, loadConfig } from '@switchboard/observability';
import { HelpdeskConfigSchema } from './helpdesk.config';

describe('helpdesk config', () => {
  it('needs Zendesk credentials for the Zendesk adapter and a URL and secret for the webhook one, naming each missing key', () => {
    expect(() => loadConfig(HelpdeskConfigSchema, {})).toThrow(ConfigError);
    try {
      loadConfig(HelpdeskConfigSchema, {});
    } catch (e) {
      expect((e as ConfigError).message).toContain('ZENDESK_URL: ZENDESK_URL is required with HELPDESK_ADAPTER=zendesk');
      expect((e as ConfigError).message).toContain('ZENDESK_API_TOKEN');
    }
    expect(() => loadConfig(HelpdeskConfigSchema, { HELPDESK_ADAPTER: 'webhook', HELPDESK_WEBHOOK_URL: 'https://desk.example/hook', HELPDESK_WEBHOOK_SECRET: 'short' }))
      .toThrow(/HELPDESK_WEBHOOK_SECRET must be at least 32 characters/);
    const sut = loadConfig(HelpdeskConfigSchema, { ZENDESK_URL: 'https://acme.zendesk.com', ZENDESK_EMAIL: 'bot@acme.example', ZENDESK_API_TOKEN: 'abcdefghijkl' });
    expect(sut).toMatchObject({ HELPDESK_ADAPTER: 'zendesk', PORT: 3400, ZENDESK_MAX_RETRY_AFTER_SECONDS: 60, HELPDESK_GROUP_ID: 'switchboard.helpdesk' });
    // Compose and Helm pass unset optional variables as empty strings.
    const blank = loadConfig(HelpdeskConfigSchema, { ZENDESK_URL: 'https://acme.zendesk.com', ZENDESK_EMAIL: 'bot@acme.example', ZENDESK_API_TOKEN: 'abcdefghijkl', ZENDESK_WEBHOOK_SECRET: '', HELPDESK_WEBHOOK_URL: ' ', HELPDESK_CONSOLE_URL: '' });
    expect([blank.ZENDESK_WEBHOOK_SECRET, blank.HELPDESK_WEBHOOK_URL, blank.HELPDESK_CONSOLE_URL]).toEqual([undefined, undefined, undefined]);
  });
});
