/**
 * Integer settings read from the one settings table (source/cli/settings.ts): a flag, else its
 * environment variable, else its default, within the table's range; a bad value is blamed on
 * where it came from. Used by parse-flags.ts and serve-settings.ts.
 */
import {FlagError} from './flag-error.js';
import {flagName, setting, type IntegerSettingKey, type RawFlags} from './settings.js';

/** A setting's raw value and the name to blame for it: the flag when given, else its environment variable. */
export function fromFlagOrEnv(flag: string, value: string | undefined, variable: string, env: NodeJS.ProcessEnv): [string, string | undefined] {
	// Naming the environment variable matters: a user who never typed --port would look for the wrong mistake.
	return value === undefined ? [variable, env[variable]] : [flag, value];
}

/**
 * An integer setting from its flag, else its first environment variable, else its default, in
 * the table's range (source/cli/settings.ts); a bad value is blamed on where it came from.
 */
export function integerSetting(key: IntegerSettingKey, flags: RawFlags, env: NodeJS.ProcessEnv): number {
	const {env: variables, default: fallback, min, max} = setting(key);
	if (typeof fallback !== 'number' || min === undefined || max === undefined) throw new Error(`settings: ${key} needs a numeric default, min and max`);
	const variable = variables?.[0];
	const [name, raw] = variable === undefined ? [flagName(key), flags[key]] : fromFlagOrEnv(flagName(key), flags[key], variable, env);
	return integer(name, raw, fallback, min, max);
}

function integer(flag: string, raw: string | undefined, fallback: number, min: number, max: number): number {
	if (raw === undefined) return fallback;
	const text = String(raw).trim();
	if (!/^-?\d+$/.test(text)) throw new FlagError(`${flag} must be a whole number, not ${JSON.stringify(String(raw))}`);
	const value = Number(text);
	if (value < min || value > max) throw new FlagError(`${flag} must be between ${min} and ${max}, not ${value}`);
	return value;
}
