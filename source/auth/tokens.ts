import {SignJWT, jwtVerify, errors} from 'jose';
import {checkUserName} from '../protocol/names.js';

/** Who a verified token says the bearer is. */
export type TokenIdentity = {userId: string; admin: boolean};

export type VerifyResult = {ok: true; identity: TokenIdentity} | {ok: false; reason: string};

const ALGORITHM = 'HS256';

function key(secret: string): Uint8Array {
	return new TextEncoder().encode(secret);
}

/**
 * Issue an HS256 JWT for `name` (claim `sub`), optionally `admin: true`, expiring after `ttlSeconds`.
 * jose does the cryptography; natter writes none of its own.
 */
export async function signToken(secret: string, name: string, options: {admin?: boolean; ttlSeconds: number}): Promise<string> {
	const why = checkUserName(name);
	if (why) throw new TypeError(`cannot issue a token: ${why}`);
	const jwt = new SignJWT(options.admin ? {admin: true} : {})
		.setProtectedHeader({alg: ALGORITHM, typ: 'JWT'})
		.setSubject(name)
		.setIssuedAt()
		.setExpirationTime(Math.floor(Date.now() / 1000) + options.ttlSeconds);
	return jwt.sign(key(secret));
}

/**
 * Verify a bearer token: the signature (HS256 only, compared in constant time by jose), `exp`
 * (required), and a `sub` that is a valid natter name. Never throws.
 */
export async function verifyToken(secret: string, token: string): Promise<VerifyResult> {
	try {
		const {payload} = await jwtVerify(token, key(secret), {algorithms: [ALGORITHM], requiredClaims: ['sub', 'exp']});
		const userId = payload.sub;
		if (typeof userId !== 'string' || checkUserName(userId)) return {ok: false, reason: 'the token names no valid user'};
		return {ok: true, identity: {userId, admin: payload.admin === true}};
	} catch (error) {
		if (error instanceof errors.JWTExpired) return {ok: false, reason: 'the token has expired'};
		if (error instanceof errors.JWSSignatureVerificationFailed) return {ok: false, reason: 'the token signature is wrong'};
		if (error instanceof errors.JOSEError) return {ok: false, reason: `the token is not valid (${error.code})`};
		return {ok: false, reason: 'the token is not valid'};
	}
}

/** `24h`, `30m`, `7d`, `90s` or plain seconds → seconds; undefined when it does not parse. */
export function parseDuration(text: string): number | undefined {
	const match = /^(\d+)\s*([smhd]?)$/.exec(text.trim());
	if (!match) return undefined;
	const value = Number(match[1]);
	const unit = {'': 1, s: 1, m: 60, h: 3600, d: 86_400}[match[2] as '' | 's' | 'm' | 'h' | 'd'];
	const seconds = value * unit;
	return seconds > 0 && Number.isSafeInteger(seconds) ? seconds : undefined;
}
