/**
 * Runs an import plan against the VTEX Catalog, step by step, the way ponte-core's reference
 * executor (crates/core/src/catalog/import/apply.rs) defines each step.
 *
 * - **Order**: phases one after the other (VTEX's order, the core's `importPhases`); inside a
 *   phase up to `concurrency` steps at a time, each as soon as the steps of its `dependsOn` (the
 *   core's: its `Ref::Planned` references, and for a kit's activation its components'
 *   activations) are done. A step whose dependency failed is SKIPPED (DEPENDENCY_FAILED).
 * - **Idempotency**: a step whose result is recorded is never run again. A step that may have
 *   had an effect without it being recorded — any retry, every step of a resumed job, or every
 *   step with `lookup: ALWAYS` — runs *carefully*: it first looks its entity up by its key
 *   (product and SKU by RefId or EAN, the others by name within their parent; specifications,
 *   images, trade policies, kit components and activations by reading what is there) and only
 *   writes what is missing. So a crash between VTEX's write and Ponte's record creates nothing
 *   twice.
 * - **Faults**: see retry.ts. A 429 makes its step wait `Retry-After` before trying again,
 *   holding its slot meanwhile: the more VTEX refuses, the fewer calls the job makes (under a
 *   sustained limit, `concurrency` calls per Retry-After), while an occasional refusal costs
 *   only the refused call its wait. 5xx and transport errors back off exponentially with jitter, bounded; other
 *   4xx fail the step.
 * - **Progress**: `record` is awaited after each step's effect is confirmed and before the
 *   worker takes another step; the runner makes it durable in VBase.
 */
import type { ImportTarget } from '../clients/catalogImport'
import type { Operation, PlanStep, Ref } from './core'
import { importPhases } from './core'
import type { RetryPolicy } from '../lib/retry'
import { backoffMs, classify } from '../lib/retry'
import type { Throttle } from '../lib/throttle'
import { imageBody, productCreateBody, productPutBody, skuCreateBody, skuPutBody } from './vtex'
import { MAX_DEPTH } from '../catalog/core'

export type StepStatus = 'DONE' | 'FAILED' | 'SKIPPED'

/** What a step did, as recorded (VBase) and shown by `importJob`. */
export interface StepResult {
  index: number
  status: StepStatus
  /** The VTEX id the step created or found (categories, brands, groups, fields, values, products, SKUs, images). */
  id?: number | null
  /** Tries of this step in the run that recorded it. */
  attempts: number
  /** The entity was already there (found by its key): nothing was created. */
  reused?: boolean
  error?: { code: string; message: string }
  /** ISO 8601. */
  at: string
}

/** Step failure codes. */
export const STEP_REFUSED = 'VTEX_REFUSED'
export const STEP_RETRIES_EXHAUSTED = 'RETRIES_EXHAUSTED'
export const STEP_RATE_LIMITED = 'RATE_LIMITED'
export const STEP_DEPENDENCY_FAILED = 'DEPENDENCY_FAILED'
export const STEP_INTERNAL = 'INTERNAL_ERROR'

export type LookupPolicy = 'ALWAYS' | 'WHEN_UNSURE'

export interface ExecutorOptions {
  concurrency: number
  retry: RetryPolicy
  /** Every step of this run is careful (a resumed job: some step may have run unrecorded). */
  resumed: boolean
  lookup: LookupPolicy
  /** Awaited after each step's outcome; the step counts as done once it resolves. */
  record: (step: PlanStep, result: StepResult) => Promise<void>
  /** Checked before each step: true stops the run (the lease was lost). */
  shouldStop?: () => boolean
}

const fold = (s: string) => s.trim().toLowerCase()

class StepFailure extends Error {
  constructor(
    public readonly code: string,
    message: string
  ) {
    super(message)
  }
}

export class PlanExecutor {
  private readonly target: ImportTarget
  private readonly results: Map<number, StepResult>
  private stopped = false

  constructor(
    target: ImportTarget,
    private readonly steps: PlanStep[],
    /** Results recorded so far, by step index (a resumed job starts from them). */
    results: Map<number, StepResult>,
    private readonly throttle: Throttle,
    private readonly options: ExecutorOptions
  ) {
    this.target = throttle.wrap(target)
    this.results = results
  }

  /** Runs every step without a result; resolves when all have one (or the run was stopped). */
  public async run(): Promise<{ stopped: boolean }> {
    for (const phase of importPhases()) {
      const pending = this.steps.filter((s) => s.phase === phase && !this.results.has(s.index))
      await this.runPhase(pending)
      if (this.stopped) return { stopped: true }
    }
    return { stopped: false }
  }

  private async runPhase(pending: PlanStep[]): Promise<void> {
    const inflight = new Map<number, Promise<void>>()
    while (pending.length > 0 || inflight.size > 0) {
      if (this.options.shouldStop?.()) this.stopped = true
      if (!this.stopped) {
        for (let i = 0; i < pending.length && inflight.size < this.options.concurrency; ) {
          const step = pending[i]
          const state = this.readiness(step)
          if (state === 'wait') {
            i++
            continue
          }
          pending.splice(i, 1)
          const run =
            state === 'ready'
              ? this.runStep(step)
              : this.finish(step, {
                  index: step.index,
                  status: 'SKIPPED',
                  attempts: 0,
                  error: { code: STEP_DEPENDENCY_FAILED, message: `step ${state.failed} (${this.steps[state.failed]?.key}) did not succeed` },
                  at: new Date(this.throttle.clock.now()).toISOString(),
                })
          inflight.set(
            step.index,
            run.finally(() => inflight.delete(step.index))
          )
        }
      }
      if (inflight.size === 0) {
        if (this.stopped) return
        if (pending.length > 0) {
          // Nothing running and nothing ready: a reference to a step of a later phase (a planner bug).
          for (const step of pending.splice(0)) {
            await this.finish(step, this.failure(step, 0, STEP_INTERNAL, 'the step refers to a step that has not run before it'))
          }
        }
        return
      }
      await Promise.race(inflight.values())
    }
  }

  private readiness(step: PlanStep): 'ready' | 'wait' | { failed: number } {
    for (const dep of step.dependsOn) {
      const r = this.results.get(dep)
      if (!r) return 'wait'
      if (r.status !== 'DONE') return { failed: dep }
    }
    return 'ready'
  }

  private async runStep(step: PlanStep): Promise<void> {
    const policy = this.options.retry
    let careful = this.options.resumed || this.options.lookup === 'ALWAYS'
    let attempts = 0
    let transient = 0
    let limited = 0
    for (;;) {
      attempts += 1
      this.throttle.counters.attempts += 1
      try {
        const outcome = await this.perform(step, careful)
        if (outcome.reused) this.throttle.counters.reused += 1
        await this.finish(step, {
          index: step.index,
          status: 'DONE',
          id: outcome.id ?? null,
          attempts,
          ...(outcome.reused ? { reused: true } : {}),
          at: new Date(this.throttle.clock.now()).toISOString(),
        })
        return
      } catch (e) {
        if (e instanceof StepFailure) return this.finish(step, this.failure(step, attempts, e.code, e.message))
        const f = classify(e, policy, this.throttle.clock.now())
        // A retried step may have written part of what it writes: it reconciles first.
        careful = true
        if (f.kind === 'rateLimited') {
          limited += 1
          this.throttle.counters.rateLimited += 1
          if (limited > policy.maxRateLimited) {
            return this.finish(step, this.failure(step, attempts, STEP_RATE_LIMITED, `429 answered ${limited} times`))
          }
          this.throttle.counters.retries += 1
          await this.throttle.waitRetryAfter(f.retryAfterMs)
          continue
        }
        if (f.kind === 'transient') {
          transient += 1
          if (f.status === null) this.throttle.counters.transportErrors += 1
          else this.throttle.counters.serverErrors += 1
          if (transient >= policy.maxAttempts) {
            return this.finish(step, this.failure(step, attempts, STEP_RETRIES_EXHAUSTED, `${transient} attempts failed; last: ${f.detail}`))
          }
          this.throttle.counters.retries += 1
          await this.throttle.clock.sleep(backoffMs(transient, policy, () => this.throttle.clock.random()))
          continue
        }
        if (f.kind === 'refused') return this.finish(step, this.failure(step, attempts, STEP_REFUSED, f.detail))
        return this.finish(step, this.failure(step, attempts, STEP_INTERNAL, f.detail))
      }
    }
  }

  private failure(step: PlanStep, attempts: number, code: string, message: string): StepResult {
    return { index: step.index, status: 'FAILED', attempts, error: { code, message }, at: new Date(this.throttle.clock.now()).toISOString() }
  }

  private async finish(step: PlanStep, result: StepResult): Promise<void> {
    this.results.set(step.index, result)
    await this.options.record(step, result)
  }

  private id<T extends number>(ref: Ref<T>): number {
    if (ref.kind === 'existing') return ref.id
    const r = this.results.get(ref.step)
    if (!r || r.status !== 'DONE' || r.id === undefined || r.id === null) {
      throw new StepFailure(STEP_INTERNAL, `step ${ref.step} has not created anything`)
    }
    return r.id
  }

  private optionalId<T extends number>(ref: Ref<T> | null): number | null {
    return ref === null ? null : this.id(ref)
  }

  /** One step: what apply.rs does in memory, through the Catalog API. */
  private async perform(step: PlanStep, careful: boolean): Promise<{ id?: number | null; reused?: boolean }> {
    const t = this.target
    const op: Operation = step.operation
    const create = step.action === 'CREATE'
    switch (op.type) {
      case 'createCategory': {
        const father = this.optionalId(op.father)
        if (careful) {
          const found = await this.findCategory(father, op.name)
          if (found !== null) return { id: found, reused: true }
        }
        const created = await t.createCategory({
          Name: op.name,
          FatherCategoryId: father,
          Title: op.name,
          Keywords: op.name,
          Description: op.name,
          IsActive: op.isActive,
          ShowInStoreFront: op.isActive,
          ActiveStoreFrontLink: op.isActive,
          ShowBrandFilter: true,
          StockKeepingUnitSelectionMode: 'SPECIFICATION',
          Score: null,
        })
        return { id: created.Id }
      }
      case 'updateCategory': {
        const current = await this.mustGet(`category ${op.id}`, t.category(op.id))
        await t.updateCategory(op.id, { ...current, Name: op.name, IsActive: op.isActive })
        return { id: op.id }
      }
      case 'createBrand': {
        if (careful) {
          const found = (await t.brands()).find((b) => fold(b.name) === fold(op.name))
          if (found) return { id: found.id, reused: true }
        }
        const created = await t.createBrand({ Name: op.name, LinkId: op.linkId, Active: op.isActive })
        return { id: created.Id }
      }
      case 'updateBrand': {
        const current = (await t.brand(op.id)) ?? { Id: op.id }
        await t.updateBrand(op.id, { ...current, Id: op.id, Name: op.name, LinkId: op.linkId, Active: op.isActive })
        return { id: op.id }
      }
      case 'createSpecificationGroup': {
        const category = this.optionalId(op.category)
        if (careful && category !== null) {
          const found = (await t.groupsOfCategory(category)).find((g) => fold(g.Name) === fold(op.name))
          if (found) return { id: found.Id, reused: true }
        }
        const created = await t.createGroup({ CategoryId: category, Name: op.name, Position: op.position })
        return { id: created.Id }
      }
      case 'updateSpecificationGroup': {
        const current = await this.mustGet(`specification group ${op.id}`, t.group(op.id))
        await t.updateGroup(op.id, { Id: op.id, CategoryId: current.CategoryId ?? null, Name: op.name, Position: op.position })
        return { id: op.id }
      }
      case 'createSpecificationField': {
        const group = this.id(op.group)
        const category = this.optionalId(op.category)
        if (careful && category !== null) {
          const found = await this.findField(category, group, op.name)
          if (found !== null) return { id: found, reused: true }
        }
        const created = await t.createField({
          FieldTypeId: op.fieldTypeId,
          CategoryId: category,
          FieldGroupId: group,
          Name: op.name,
          Position: op.position,
          IsFilter: op.isFilter,
          IsRequired: op.isRequired,
          IsOnProductDetails: true,
          IsStockKeepingUnit: op.isStockKeepingUnit,
          IsActive: op.isActive,
        })
        return { id: created.Id ?? created.FieldId }
      }
      case 'updateSpecificationField': {
        const current = await this.mustGet(`specification field ${op.id}`, t.field(op.id))
        await t.updateField(op.id, {
          FieldTypeId: op.fieldTypeId,
          CategoryId: current.CategoryId ?? null,
          FieldGroupId: current.FieldGroupId,
          Name: op.name,
          Position: op.position,
          IsFilter: op.isFilter,
          IsRequired: op.isRequired,
          IsStockKeepingUnit: op.isStockKeepingUnit,
          IsActive: op.isActive,
        })
        return { id: op.id }
      }
      case 'createSpecificationValue': {
        const field = this.id(op.field)
        if (careful) {
          const found = (await t.fieldValues(field)).find((v) => fold(v.Value) === fold(op.name))
          if (found) return { id: found.FieldValueId, reused: true }
        }
        const created = await t.createValue({ FieldId: field, Name: op.name, IsActive: op.isActive, Position: op.position })
        return { id: created.FieldValueId }
      }
      case 'updateSpecificationValue': {
        await t.updateValue(op.id, { FieldId: op.field, Name: op.name, IsActive: op.isActive, Position: op.position })
        return { id: op.id }
      }
      case 'createProduct': {
        const category = this.id(op.category)
        const brand = this.id(op.brand)
        const refId = op.product.refId
        if (careful && refId) {
          const found = await t.productByRefId(refId)
          if (found) return { id: found.Id, reused: true }
        }
        const created = await t.createProduct(productCreateBody(op.product, category, brand))
        return { id: created.Id }
      }
      case 'updateProduct': {
        const category = this.id(op.category)
        const brand = this.id(op.brand)
        const current = await this.mustGet(`product ${op.id}`, t.product(op.id))
        await t.updateProduct(op.id, productPutBody(current, op.patch, category, brand))
        return { id: op.id }
      }
      case 'linkProductTradePolicy': {
        const product = this.id(op.product)
        if (careful || !create) {
          const links = await t.productTradePolicies(product)
          if (links.some((l) => l.StoreId === op.tradePolicyId)) return { reused: true }
        }
        await t.linkTradePolicy(product, op.tradePolicyId)
        return {}
      }
      case 'createSku': {
        const product = this.id(op.product)
        let id: number | null = null
        let reused = false
        if (careful) {
          if (op.sku.refId) id = await t.skuIdByRefId(op.sku.refId)
          else if (op.sku.ean) id = (await t.skuByEan(op.sku.ean))?.Id ?? null
          reused = id !== null
        }
        if (id === null) id = (await t.createSku(skuCreateBody(op.sku, product))).Id
        if (op.sku.ean && (reused || careful ? !(await t.skuEans(id)).includes(op.sku.ean) : true)) {
          await t.addSkuEan(id, op.sku.ean)
        }
        return { id, reused }
      }
      case 'updateSku': {
        const current = await this.mustGet(`SKU ${op.id}`, t.sku(op.id))
        await t.updateSku(op.id, skuPutBody(current, op.patch))
        if (op.patch.ean && !(await t.skuEans(op.id)).includes(op.patch.ean)) await t.addSkuEan(op.id, op.patch.ean)
        return { id: op.id }
      }
      case 'setProductSpecification': {
        const product = this.id(op.product)
        const field = this.id(op.field)
        const wanted: Array<Record<string, unknown>> = []
        if (op.text !== null) wanted.push({ FieldId: field, Text: op.text })
        for (const v of op.values) wanted.push({ FieldId: field, FieldValueId: this.id(v) })
        if (careful || !create) {
          const current = (await t.productSpecifications(product)).filter((s) => s.FieldId === field)
          const same = (a: Record<string, unknown>, s: (typeof current)[number]) =>
            a.FieldValueId !== undefined ? s.FieldValueId === a.FieldValueId : (s.FieldValueId ?? null) === null && s.Text === a.Text
          // VTEX deletes a text value by its row id, but values of a field with predefined
          // values (Radio, Checkbox, Combo) only by the field's id, all at once (docs/vtex/C-catalog.md §C.7):
          // dropping one of those drops them all, and the ones to keep are added again.
          const listed = (s: (typeof current)[number]) => (s.FieldValueId ?? null) !== null
          let keep = current.filter((s) => wanted.some((w) => same(w, s)))
          const drops = current.filter((s) => !keep.includes(s))
          for (const s of drops) if (!listed(s)) await t.deleteProductSpecification(product, s.Id)
          if (drops.some(listed)) {
            await t.deleteProductSpecification(product, field)
            keep = keep.filter((s) => !listed(s))
          }
          const missing = wanted.filter((w) => !keep.some((s) => same(w, s)))
          for (const w of missing) await t.addProductSpecification(product, w)
          return missing.length === 0 && drops.length === 0 ? { reused: true } : {}
        }
        for (const w of wanted) await t.addProductSpecification(product, w)
        return {}
      }
      case 'setSkuSpecification': {
        const sku = this.id(op.sku)
        const field = this.id(op.field)
        const value = this.id(op.value)
        if (careful || !create) {
          const current = (await t.skuSpecifications(sku)).find((s) => s.FieldId === field)
          if (current && current.FieldValueId === value) return { reused: true }
          if (current) {
            await t.updateSkuSpecification(sku, { Id: current.Id, FieldId: field, FieldValueId: value })
            return {}
          }
        }
        await t.addSkuSpecification(sku, { FieldId: field, FieldValueId: value })
        return {}
      }
      case 'addSkuImage': {
        const sku = this.id(op.sku)
        if (careful) {
          const found = (await t.skuFiles(sku)).find((f) => fold(f.Name) === fold(op.image.name))
          if (found) return { id: found.Id, reused: true }
        }
        const answer = await t.addSkuFile(sku, imageBody(op.image))
        const files = (Array.isArray(answer) ? answer : [answer]) as Array<{ Id?: number; Name?: string }>
        const file = files.find((f) => f?.Name !== undefined && fold(f.Name) === fold(op.image.name)) ?? files[0]
        return { id: file?.Id ?? null }
      }
      case 'updateSkuImage': {
        await t.updateSkuFile(op.sku, op.id, imageBody(op.image))
        return { id: op.id }
      }
      case 'setKitComponent': {
        const kit = this.id(op.kit)
        const component = this.id(op.component)
        if (careful || !create) {
          const current = (await t.kitComponents(kit)).find((k) => k.StockKeepingUnitId === component)
          if (current && current.Quantity === op.quantity) return { reused: true }
        }
        await t.addKitComponent({ StockKeepingUnitParent: kit, StockKeepingUnitId: component, Quantity: op.quantity, UnitPrice: 0 })
        return {}
      }
      case 'activateSku': {
        const sku = this.id(op.sku)
        const current = await this.mustGet(`SKU ${sku}`, t.sku(sku))
        if (current.IsActive) return { id: sku, reused: true }
        await t.updateSku(sku, { ...current, IsActive: true })
        return { id: sku }
      }
    }
  }

  private async mustGet<T>(what: string, read: Promise<T | null>): Promise<T> {
    const value = await read
    if (value === null) throw new StepFailure(STEP_REFUSED, `${what} is not in the catalog (HTTP 404)`)
    return value
  }

  /** A category by name under its father, in the tree (VTEX has no "children of" endpoint). */
  private async findCategory(father: number | null, name: string): Promise<number | null> {
    const tree = await this.target.categoryTree(MAX_DEPTH)
    type Node = (typeof tree)[number]
    const find = (nodes: Node[]): Node[] | null => {
      for (const n of nodes) {
        if (n.id === father) return n.children ?? []
        const below = find(n.children ?? [])
        if (below) return below
      }
      return null
    }
    const siblings = father === null ? tree : find(tree) ?? []
    return siblings.find((n) => fold(n.name) === fold(name))?.id ?? null
  }

  /** A field by name within its group, among the fields visible at the group's category. */
  private async findField(category: number, group: number, name: string): Promise<number | null> {
    const candidates = (await this.target.fieldsVisibleAt(category)).filter((f) => fold(f.Name) === fold(name))
    for (const c of candidates) {
      const field = await this.target.field(c.FieldId)
      if (field && field.FieldGroupId === group) return field.FieldId
    }
    return null
  }
}
