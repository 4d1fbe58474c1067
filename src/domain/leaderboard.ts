export interface BoardRow {
  userId: string;
  score: number;
}

export interface Ranked extends BoardRow {
  rank: number;
}

/** Standard competition ranking (1, 2, 2, 4), ties broken by user id for a stable order. */
export function rank(rows: readonly BoardRow[]): Ranked[] {
  const sorted = [...rows].sort((a, b) => b.score - a.score || (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0));
  const out: Ranked[] = [];
  sorted.forEach((row, i) => {
    const prev = out[i - 1];
    out.push({ ...row, rank: prev && prev.score === row.score ? prev.rank : i + 1 });
  });
  return out;
}
