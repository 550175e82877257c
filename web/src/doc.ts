// The Y.Doc of an offer (docs/PROTOCOL.md, "The document"; server/crdt/layout.py): typed reads of
// every root and the few writes a party may make. Server-only roots (offer, committed, changed_by, proposal) are
// read here and never written.

import * as Y from 'yjs'
import type { Milestone, PartyRef, ScalarField } from './types'

/** The origin of every edit this page makes, so bindings can tell their own echoes apart. */
export const LOCAL_ORIGIN = { name: 'offer-room-web' }

export interface OfferMeta {
  status: string | null
  version: number | null
  expires_at: string | null
  parties: PartyRef[]
}

export interface Proposal {
  id: string
  by: PartyRef | null
  base_version: number | null
  raw: Record<string, unknown>
}

function nullish (v: unknown): unknown {
  return v === undefined ? null : v
}

export class OfferDoc {
  readonly doc: Y.Doc
  readonly terms: Y.Map<unknown>
  readonly description: Y.Text
  readonly milestones: Y.Array<Y.Map<unknown>>
  readonly offer: Y.Map<unknown>
  readonly committed: Y.Map<unknown>
  readonly changedBy: Y.Map<unknown>
  readonly proposal: Y.Map<unknown>

  constructor (doc: Y.Doc) {
    this.doc = doc
    this.terms = doc.getMap('terms')
    this.description = doc.getText('description')
    this.milestones = doc.getArray('milestones')
    this.offer = doc.getMap('offer')
    this.committed = doc.getMap('committed')
    this.changedBy = doc.getMap('changed_by')
    this.proposal = doc.getMap('proposal')
  }

  /** Call `fn` after every transaction that touched the doc (local or remote). */
  onChange (fn: (origin: unknown) => void): void {
    this.doc.on('afterTransaction', (txn: Y.Transaction) => {
      if (txn.changed.size > 0 || txn.deleteSet.clients.size > 0) fn(txn.origin)
    })
  }

  // --- reading ---------------------------------------------------------------------------

  /** A draft scalar; absent and null both read as null. */
  term (key: ScalarField): unknown {
    return nullish(this.terms.get(key))
  }

  str (key: ScalarField): string | null {
    const v = this.term(key)
    return typeof v === 'string' ? v : null
  }

  num (key: ScalarField): number | null {
    const v = this.term(key)
    return typeof v === 'number' && Number.isFinite(v) ? v : null
  }

  get currency (): string {
    const c = this.str('currency')
    return c !== null && /^[A-Z]{3}$/.test(c) ? c : 'USD'
  }

  get contractType (): 'hourly' | 'fixed' {
    return this.term('contract_type') === 'fixed' ? 'fixed' : 'hourly'
  }

  draftMilestones (): Milestone[] {
    return this.milestones.toArray().map((m) => toMilestone(m instanceof Y.Map ? m.toJSON() : m))
  }

  meta (): OfferMeta {
    const o = this.offer.toJSON() as Record<string, unknown>
    const parties = Array.isArray(o.parties) ? (o.parties as PartyRef[]).filter((p) => p !== null && typeof p === 'object') : []
    return {
      status: typeof o.status === 'string' ? o.status : null,
      version: typeof o.version === 'number' ? o.version : null,
      expires_at: typeof o.expires_at === 'string' ? o.expires_at : null,
      parties
    }
  }

  /** Who closed the offer, when and why (`offer.closed`, written by the server at close); null while open. */
  closed (): { at: string | null, by: PartyRef | null, reason: string | null, reason_code: string | null } | null {
    const c = (this.offer.toJSON() as Record<string, unknown>).closed
    if (c === null || typeof c !== 'object') return null
    const o = c as Record<string, unknown>
    const str = (v: unknown): string | null => typeof v === 'string' && v !== '' ? v : null
    const by = o.by !== null && typeof o.by === 'object' ? o.by as PartyRef : null
    return { at: str(o.at), by, reason: str(o.reason), reason_code: str(o.reason_code) }
  }

  committedValue (key: string): unknown {
    return nullish(this.committed.get(key))
  }

  hasCommitted (): boolean {
    return this.committed.size > 0
  }

  committedMilestones (): Milestone[] {
    const list = this.committed.get('milestones')
    return Array.isArray(list) ? list.map(toMilestone) : []
  }

  /** The party who most recently joined those who changed `field` since the last commit. */
  changedByOf (field: string): PartyRef | null {
    const all = this.changersOf(field)
    return all[all.length - 1] ?? null
  }

  /** Everyone who changed `field` since the last commit, in the order they first did. The entry
   * is a list of identities; docs from before the list hold a single one (both read the same). */
  changersOf (field: string): PartyRef[] {
    const v = this.changedBy.get(field)
    const list: unknown[] = Array.isArray(v) ? v : [v]
    return list.filter((p): p is PartyRef => p !== null && typeof p === 'object' && typeof (p as { id?: unknown }).id === 'string')
  }

  pendingProposal (): Proposal | null {
    if (this.proposal.size === 0) return null
    const raw = this.proposal.toJSON() as Record<string, unknown>
    if (raw.id === undefined || raw.id === null) return null
    const by = raw.by !== null && typeof raw.by === 'object' ? raw.by as PartyRef : null
    return { id: String(raw.id), by, base_version: typeof raw.base_version === 'number' ? raw.base_version : null, raw }
  }

  // --- writing (parties' roots only) -----------------------------------------------------

  /** Set a draft scalar; null deletes the key (absent means "no value"). */
  setTerm (key: ScalarField, value: string | number | boolean | null): void {
    this.doc.transact(() => {
      if (value === null) {
        if (this.terms.has(key)) this.terms.delete(key)
      } else if (this.terms.get(key) !== value) {
        this.terms.set(key, value)
      }
    }, LOCAL_ORIGIN)
  }

  addMilestone (init: { title?: string, amount?: number, due_date?: string | null } = {}): string {
    const id = newId()
    this.doc.transact(() => {
      const m = new Y.Map<unknown>()
      m.set('id', id)
      m.set('title', init.title ?? '')
      m.set('amount', init.amount ?? 0)
      if (init.due_date) m.set('due_date', init.due_date)
      this.milestones.push([m])
    }, LOCAL_ORIGIN)
    return id
  }

  setMilestone (id: string, key: 'title' | 'amount' | 'due_date', value: string | number | null): void {
    const m = this.findMilestone(id)
    if (m === null) return
    this.doc.transact(() => {
      if (value === null) {
        if (m.has(key)) m.delete(key)
      } else if (m.get(key) !== value) {
        m.set(key, value)
      }
    }, LOCAL_ORIGIN)
  }

  removeMilestone (id: string): void {
    const idx = this.milestones.toArray().findIndex((m) => m instanceof Y.Map && m.get('id') === id)
    if (idx >= 0) this.doc.transact(() => this.milestones.delete(idx, 1), LOCAL_ORIGIN)
  }

  private findMilestone (id: string): Y.Map<unknown> | null {
    for (const m of this.milestones.toArray()) {
      if (m instanceof Y.Map && m.get('id') === id) return m
    }
    return null
  }
}

function toMilestone (raw: unknown): Milestone {
  const o = (raw !== null && typeof raw === 'object' ? raw : {}) as Record<string, unknown>
  return {
    id: typeof o.id === 'string' ? o.id : '',
    title: typeof o.title === 'string' ? o.title : '',
    amount: typeof o.amount === 'number' ? o.amount : null,
    due_date: typeof o.due_date === 'string' ? o.due_date : null
  }
}

function newId (): string {
  const bytes = new Uint8Array(6)
  crypto.getRandomValues(bytes)
  return 'm-' + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
}
