/** Live entries per source, in total and per room. A source with nothing left is forgotten. */
export class SourceCounts {
  readonly #sources = new Map<string, { total: number; rooms: Map<string, number> }>();

  total(source: string): number {
    return this.#sources.get(source)?.total ?? 0;
  }

  inRoom(source: string, room: string): number {
    return this.#sources.get(source)?.rooms.get(room) ?? 0;
  }

  add(source: string, room: string): void {
    let counts = this.#sources.get(source);
    if (!counts) {
      counts = { total: 0, rooms: new Map() };
      this.#sources.set(source, counts);
    }
    counts.total++;
    counts.rooms.set(room, (counts.rooms.get(room) ?? 0) + 1);
  }

  remove(source: string, room: string): void {
    const counts = this.#sources.get(source);
    const inRoom = counts?.rooms.get(room);
    if (!counts || inRoom === undefined) return;
    if (inRoom <= 1) counts.rooms.delete(room);
    else counts.rooms.set(room, inRoom - 1);
    if (--counts.total <= 0) this.#sources.delete(source);
  }

  /** Sources tracked right now (tests, diagnostics). */
  get size(): number {
    return this.#sources.size;
  }
}
