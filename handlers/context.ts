import type { DomainContext } from '../src/context';
import type { InboundEvent } from '../src/wecom/events';

/** What every handler gets: the domain context, and a way to answer the sender of the event. */
export interface HandlerContext extends DomainContext {
  reply(text: string): Promise<void>;
}

export type Handler<E extends InboundEvent = InboundEvent> = (event: E, ctx: HandlerContext) => Promise<void>;
