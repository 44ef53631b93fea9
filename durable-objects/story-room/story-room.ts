import { LiveRoom } from "../live-room/live-room";
import type { LiveStorage } from "../live-room/live-storage";
import type { RoomFeatures } from "../live-room/document-kind";
import type { RoomResult } from "../../workers/domain/room-types";
import { chaptersOf, readChapter, readScene, scenesOf, type ChapterState, type SceneState } from "./story-doc";
import { StoryKind } from "./story-kind";
import type { StoryAcceptance } from "./story-rules";

/**
 * One room per story (issue 17, ADR 21): the second document kind on the room machinery
 * (live-room/live-room.ts). People who may write the world co-write the story's chapters, scenes
 * and text live; viewers follow. The story's structure and text are projected into D1 for lists,
 * reading pages and search. It has no chat or locks of its own: its features are the welcome and
 * presence the machinery relays.
 */
export class StoryRoom extends LiveRoom<LiveStorage, StoryAcceptance> {
  protected readonly kind = new StoryKind({
    document: () => this.document,
    store: () => this.store,
    db: () => this.env.DB,
    storyId: () => this.name,
    catchUp: () => this.relay.catchUp(),
  });

  protected readonly features: RoomFeatures = {
    greet: (you, users) => [{ type: "welcome", you, users, locks: [] }],
    message: async (_connectionId, _user, _readOnly, message, reply) => {
      reply({ type: "error", code: "unsupported", message: `A story's room has no ${message.type} messages.` });
    },
    left: () => undefined,
    loaded: async () => undefined,
    alarm: async () => undefined,
    nextAlarm: () => null,
  };

  /** The story's chapters and scenes as the room holds them, with the scenes' plain text (tests compare it with D1). */
  async outline(): Promise<RoomResult<{ chapters: ChapterState[]; scenes: SceneState[] }>> {
    const notReady = await this.ready();
    if (notReady) return notReady;
    this.relay.catchUp();
    const chapters = [...chaptersOf(this.document).keys()].map((id) => readChapter(this.document, id)).filter((c): c is ChapterState => c !== null);
    const scenes = [...scenesOf(this.document).keys()].map((id) => readScene(this.document, id)).filter((s): s is SceneState => s !== null);
    return { ok: true, value: { chapters, scenes } };
  }

  /** Writes everything marked to D1 now (a request that reads D1 after a live edit waits for this). */
  async project(): Promise<RoomResult<{ written: true }>> {
    const notReady = await this.ready();
    if (notReady) return notReady;
    await this.pacing.flush();
    return { ok: true, value: { written: true } };
  }
}
