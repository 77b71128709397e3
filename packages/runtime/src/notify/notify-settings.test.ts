import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { useTempDir } from '@claudine/test-utils';
import { beforeEach, describe, expect, it } from 'vitest';
import { claudineErrorOf } from '../claudine-error.test-helper.js';
import { loadConfig } from '../config/config.js';
import { describeConfig, setSetting, unsetSetting } from '../config/config-editing.js';

const temp = useTempDir();
let file: string;

beforeEach(() => {
  file = join(temp.path, 'config.json');
});

const notifyOf = (environment: Record<string, string>) => loadConfig({ file, environment }).config.notify;

const errorOf = (action: () => unknown): string => claudineErrorOf(action).message;

describe('notify settings', () => {
  it('send nothing by default: no channel is on, and every event is chosen', () => {
    const notify = notifyOf({});
    expect(notify).toMatchObject({ desktop: false, events: ['completed', 'failed', 'timed_out', 'cancelled', 'workflow'] });
    expect(notify.webhook).toBeUndefined();
    expect(notify.command).toBeUndefined();
    expect(notify.webhookEvents).toBeUndefined();
  });

  it('read event lists as comma-separated text, all or none, and refuse an unknown event by name', () => {
    expect(notifyOf({ CLAUDINE_NOTIFY_EVENTS: 'failed, timed_out' }).events).toEqual(['failed', 'timed_out']);
    expect(notifyOf({ CLAUDINE_NOTIFY_WEBHOOK_EVENTS: 'none' }).webhookEvents).toEqual([]);
    expect(notifyOf({ CLAUDINE_NOTIFY_COMMAND_EVENTS: 'all' }).commandEvents).toHaveLength(5);
    expect(errorOf(() => notifyOf({ CLAUDINE_NOTIFY_EVENTS: 'failed,finished' }))).toMatch(
      /notify\.events: unknown event "finished": give a comma-separated list of completed, failed, timed_out, cancelled, workflow/,
    );
  });

  it('are set with config set, each channel on its own key, and checked before anything is written', () => {
    const options = { file, environment: {} };
    setSetting(options, 'notify.desktop', 'true');
    setSetting(options, 'notify.command', 'cat > /tmp/last-notification.json');
    setSetting(options, 'notify.commandEvents', 'failed,workflow');
    setSetting(options, 'notify.webhookTimeout', '3s');
    expect(notifyOf({})).toMatchObject({
      desktop: true,
      command: 'cat > /tmp/last-notification.json',
      commandEvents: ['failed', 'workflow'],
      webhookTimeout: 3000,
    });
    expect(errorOf(() => setSetting(options, 'notify.webhook', 'ftp://example.com/hook'))).toMatch(/give an http:\/\/ or https:\/\/ URL/);
    expect(errorOf(() => setSetting(options, 'notify.webhookTimeout', '10ms'))).toMatch(/at least 100ms/);
    expect(JSON.parse(readFileSync(file, 'utf8')).notify.webhook).toBeUndefined();
  });

  it('never print the webhook secret or the token in its URL', () => {
    const options = { file, environment: {} };
    const url = 'https://hooks.slack.com/services/T000/B000/XXXXSECRETXXXX';
    const set = setSetting(options, 'notify.webhook', url);
    expect(set.value).toBe('https://hooks.slack.com/(hidden)');
    expect(setSetting(options, 'notify.webhookSecret', 'sign-with-this').value).toBe('(hidden)');
    const again = setSetting(options, 'notify.webhookSecret', 'another-one');
    expect([again.previous, again.resolved]).toEqual(['(hidden)', '(hidden)']);
    const shown = JSON.stringify(describeConfig({ file, environment: { CLAUDINE_NOTIFY_WEBHOOK_SECRET: 'from-the-environment' } }));
    expect(shown).not.toMatch(/XXXXSECRETXXXX|sign-with-this|another-one|from-the-environment/);
    expect(shown).toContain('https://hooks.slack.com/(hidden)');
    expect(JSON.stringify(unsetSetting(options, 'notify.webhook'))).not.toContain('XXXXSECRETXXXX');
    // Whether a secret is set is not a secret: unset ones show as unset.
    expect(describeConfig({ file, environment: {} }).settings.find((setting) => setting.key === 'notify.webhook')?.value).toBeNull();
    // The file itself holds the real values: it is the user's, private (0600).
    expect(JSON.parse(readFileSync(file, 'utf8')).notify.webhookSecret).toBe('another-one');
  });
});
