// Configuration from the environment: embedded defaults, lists parsed, bad values refused naming the variable.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/env';

describe('configuration', () => {
  it('runs on embedded defaults with an empty environment', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ INVENTORY_URL: 'http://127.0.0.1:7301', SMTP_PORT: 2525, STOCKOUT_SCAN_NETWORKS: ['EU'], STOCKOUT_SCAN_CRITICAL_DAYS: 14 });
    expect(config.API_TOKEN).toBeUndefined();
  });

  it('reads the scan networks as a list; an empty list turns the scan off', () => {
    expect(loadConfig({ STOCKOUT_SCAN_NETWORKS: ' EU, US-East ,,APAC' }).STOCKOUT_SCAN_NETWORKS).toEqual(['EU', 'US-East', 'APAC']);
    expect(loadConfig({ STOCKOUT_SCAN_NETWORKS: '' }).STOCKOUT_SCAN_NETWORKS).toEqual([]);
  });

  it('refuses a bad value naming the variable, and never echoes a secret', () => {
    expect(() => loadConfig({ SMTP_PORT: 'twenty-five' })).toThrow(/env\.SMTP_PORT/);
    expect(() => loadConfig({ STOCKOUT_SCAN_NETWORKS: "EU,x' OR 1=1" })).toThrow(/env\.STOCKOUT_SCAN_NETWORKS/);
    expect(() => loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' })).toThrow(/env\.OTEL_EXPORTER_OTLP_ENDPOINT: must be an http\(s\) URL/);
    const error = (() => {
      try {
        loadConfig({ API_TOKEN: 'short-secret' });
      } catch (e) {
        return e as Error;
      }
    })();
    expect(error?.message).toMatch(/env\.API_TOKEN/);
    expect(error?.message).not.toContain('short-secret');
  });
});
