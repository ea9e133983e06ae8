import { metricsAccess, MetricsConfigSchema } from './metrics';

describe('metricsAccess', () => {
  const key = 'metrics-key-0123456789abc';

  it('is off without a configured key, whatever the scraper sends', () => {
    expect(metricsAccess(undefined, `Bearer ${key}`)).toBe('off');
    expect(metricsAccess('', undefined)).toBe('off');
  });

  it('lets exactly the configured bearer key in', () => {
    expect(metricsAccess(key, `Bearer ${key}`)).toBe('ok');
    expect(metricsAccess(key, `bearer ${key} `)).toBe('ok');
    for (const header of [undefined, '', key, `Bearer ${key}x`, `Bearer ${key.slice(1)}`, `Basic ${key}`, `Bearer ${key} extra`]) {
      expect(metricsAccess(key, header)).toBe('refused');
    }
  });

  it('refuses a short key in config with a message naming the setting', () => {
    const r = MetricsConfigSchema.safeParse({ METRICS_KEY: 'short' });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.message).toMatch(/^METRICS_KEY must be at least 16 characters/);
    expect(MetricsConfigSchema.parse({})).toEqual({});
  });
});
