// lunar-javascript ships no type declarations; only the few members the calendar uses are typed here.
declare module 'lunar-javascript' {
  export interface Solar {
    getYear(): number;
    getMonth(): number;
    getDay(): number;
    toYmd(): string;
    getLunar(): Lunar;
  }
  export interface Lunar {
    getSolar(): Solar;
    getJieQiTable(): Record<string, Solar | undefined>;
  }
  export const Solar: { fromYmd(year: number, month: number, day: number): Solar };
  /** Lunar.fromYmd takes a lunar year/month/day; a negative month means the leap month. */
  export const Lunar: { fromYmd(year: number, month: number, day: number): Lunar };
}
