import { createContext, useContext } from 'react';
import { DEFAULT_SETTINGS } from '../settings/presets';
import type { AppSettings } from '../settings/types';

/** The resolved plugin settings, provided once by the app root. */
export const SettingsContext = createContext<AppSettings>(DEFAULT_SETTINGS);

export function useSettings(): AppSettings {
  return useContext(SettingsContext);
}
