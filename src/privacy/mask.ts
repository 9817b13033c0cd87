/**
 * Personal numbers never reach a group, a digest or a log line in full: 18-digit ID card numbers
 * keep their first 6 and last 2 characters, mobile numbers their first 3 and last 4 digits.
 */
const ID_CARD = /(?<![0-9A-Za-z])([1-9]\d{5})(\d{10})(\d{1}[\dXx])(?![0-9A-Za-z])/g;
const MOBILE = /(?<!\d)(1[3-9]\d)(\d{4})(\d{4})(?!\d)/g;

export function maskPersonalNumbers(text: string): string {
  return text.replace(ID_CARD, (_m, head: string, mid: string, tail: string) => `${head}${'*'.repeat(mid.length)}${tail}`)
    .replace(MOBILE, (_m, head: string, _mid: string, tail: string) => `${head}****${tail}`);
}

export function maskIdNumber(id: string): string {
  const s = id.trim();
  if (s.length <= 8) return '*'.repeat(s.length);
  return `${s.slice(0, 6)}${'*'.repeat(s.length - 8)}${s.slice(-2)}`;
}

/**
 * What groups read names a household by its code (东岭-017), never by name: the name as reported
 * is replaced wherever the text repeats it (某户 while the household has no code).
 */
export function withoutHouseholdName(text: string, household: { code?: string | null; name: string | null } | null | undefined): string {
  const name = household?.name?.trim();
  if (!name) return text;
  return text.split(name).join(household?.code ?? '某户');
}
