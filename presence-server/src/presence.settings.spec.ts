import { loadSettings } from '@playlist-chat/platform';
import { describe, expect, it } from 'vitest';
import { presenceSettings } from './presence.settings';

describe('PRESENCE_SAVE_STATE', () => {
  const saveState = (env: Record<string, string>) => loadSettings(presenceSettings, env).saveState;

  it('is on by default, and off when set false', () => {
    expect(saveState({})).toBe(true);
    expect(saveState({ PRESENCE_SAVE_STATE: 'false' })).toBe(false);
  });

  it('follows PRESENCE_SAVE_CHOICES, its former name, when only that is set', () => {
    expect(saveState({ PRESENCE_SAVE_CHOICES: 'false' })).toBe(false);
    expect(saveState({ PRESENCE_SAVE_CHOICES: 'false', PRESENCE_SAVE_STATE: 'true' })).toBe(true);
  });
});
