/**
 * The deliveries Ponte's own code builds, captured for the contract check (check.py): the
 * orders flow over its fakes (intake → outbox → drive) produces a hand-off and a status notice,
 * then the real ERP client (`node/clients/erp.ts`) sends each one and a lookup through a
 * stubbed HTTP layer that records the URL, headers and body exactly as `@vtex/api` would get
 * them. With PONTE_ERP_CAPTURE set, the captured requests are written there as JSON for
 * check.py, which validates them against docs/erp-contract.yaml and posts them to ponte-sim's ERP.
 *
 * Also: the GraphQL documents the contract gives the ERP (its examples of `POST /_v/graphql`)
 * are valid operations of graphql/schema.graphql, with variables of the right input types.
 */
import { readFileSync, writeFileSync } from 'fs'
import { join } from 'path'

import { Erp } from '../../node/clients/erp'
import { processEvent } from '../../node/orders/intake'
import { bodies, testDeps, world } from '../../node/test-support/fakeOrders'
// From node/'s packages by path: tests/ has no node_modules of its own.
import type { GraphQLSchema, OperationDefinitionNode } from '../../node/node_modules/graphql'
import { buildASTSchema, parse, validate } from '../../node/node_modules/graphql'
import { getVariableValues } from '../../node/node_modules/graphql/execution/values'

const yaml = require('../../node/node_modules/js-yaml') as { load(text: string): unknown }
const ROOT = join(__dirname, '..', '..')

const ID = 'v1001pnt-01'
const ENDPOINT = 'https://erp.example.com/vtex/'
const TOKEN = 'erp-secret'

interface Captured {
  method: 'POST' | 'GET'
  url: string
  headers: Record<string, string>
  body?: unknown
}

/** The real client with its HTTP layer replaced by a recorder answering 200. */
function recordingErp(captured: Captured[]): Erp {
  const context = { account: 'ponte', workspace: 'master', authToken: 'tok', userAgent: 'test', region: 'local' }
  const erp = new Erp(context as unknown as ConstructorParameters<typeof Erp>[0])
  ;(erp as unknown as { http: unknown }).http = {
    postRaw: async (url: string, data: unknown, config: { headers: Record<string, string> }) => {
      captured.push({ method: 'POST', url, headers: { ...config.headers }, body: JSON.parse(JSON.stringify(data)) })
      return { status: 200, data: {} }
    },
    getRaw: async (url: string, config: { headers: Record<string, string> }) => {
      captured.push({ method: 'GET', url, headers: { ...config.headers } })
      return { status: 404, data: {} }
    },
  }
  return erp
}

describe("the deliveries Ponte's client sends", () => {
  it('are a hand-off and a status notice with the contract headers, captured for check.py', async () => {
    const w = world()
    const deps = testDeps(w, { settings: { erpToken: TOKEN } })
    const rfh = '2024-03-01T10:00:00.0000000Z'
    w.oms.addOrder({ orderId: ID, status: 'ready-for-handling', lastChange: rfh })
    await processEvent(deps, 'hook', bodies(ID, 'ready-for-handling', 'window-to-cancel', rfh).hook)
    w.oms.setStatus(ID, 'handling', '2024-03-01T10:05:00Z')
    await processEvent(deps, 'hook', bodies(ID, 'handling', 'start-handling', '2024-03-01T10:05:00Z', rfh).hook)
    expect(w.erp.received.map((d) => d.kind)).toEqual(['order', 'status'])

    const captured: Captured[] = []
    const erp = recordingErp(captured)
    for (const delivery of w.erp.received) {
      expect(await erp.lookup(ENDPOINT, TOKEN, delivery.deliveryId)).toBe('absent')
      expect(await erp.deliver(ENDPOINT, TOKEN, delivery)).toEqual({ ok: true, status: 200 })
    }
    expect(captured.map((c) => c.method)).toEqual(['GET', 'POST', 'GET', 'POST'])
    for (const c of captured) {
      expect(c.headers.authorization).toBe(`Bearer ${TOKEN}`)
      // To the outbound proxy as plain HTTP, asking it for HTTPS (clients/erp.ts viaProxy).
      expect(Object.entries(c.headers).find(([k]) => k.toLowerCase() === 'x-vtex-use-https')?.[1]).toBe('true')
      if (c.method === 'POST') {
        expect(c.url).toBe('http://erp.example.com/vtex/orders')
        expect(c.headers['x-ponte-delivery-id']).toBe((c.body as { deliveryId: string }).deliveryId)
      } else {
        expect(c.url).toMatch(/^http:\/\/erp\.example\.com\/vtex\/orders\/deliveries\/v1001pnt-01%3A/)
      }
    }
    const out = process.env.PONTE_ERP_CAPTURE
    if (out) writeFileSync(out, JSON.stringify({ endpoint: ENDPOINT.replace(/\/+$/, ''), requests: captured }, null, 2))
  })
})

type Example = { value: { query: string; variables?: Record<string, unknown> } }

/** The problems of one GraphQL request against Ponte's schema (empty: valid). */
function problems(schema: GraphQLSchema, query: string, variables: Record<string, unknown> = {}): string[] {
  const document = parse(query)
  const errors = validate(schema, document).map((e) => e.message)
  for (const op of document.definitions.filter((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition')) {
    errors.push(...(getVariableValues(schema, [...(op.variableDefinitions ?? [])], variables).errors ?? []).map((e) => e.message))
  }
  return errors
}

describe("the contract's GraphQL documents", () => {
  const schema = buildASTSchema(parse(readFileSync(join(ROOT, 'graphql', 'schema.graphql'), 'utf8')), { assumeValidSDL: true })
  const contract = yaml.load(readFileSync(join(ROOT, 'docs', 'erp-contract.yaml'), 'utf8')) as {
    paths: Record<string, { post: { requestBody: { content: Record<string, { examples: Record<string, Example> }> } } }>
  }
  const examples = contract.paths['/_v/graphql'].post.requestBody.content['application/json'].examples

  it('cover every action the ERP takes', () => {
    const fields = Object.values(examples).map((e) => /\{\s*(\w+)\(/.exec(e.value.query)?.[1])
    expect(fields).toEqual(expect.arrayContaining(['startHandling', 'invoiceOrder', 'cancelOrder', 'updateTracking', 'changeOrder', 'order']))
  })

  it.each(Object.entries(examples))('%s is a valid operation of graphql/schema.graphql', (_name, example) => {
    expect(problems(schema, example.value.query, example.value.variables)).toEqual([])
  })

  it('would catch a wrong field or input (self-test)', () => {
    expect(problems(schema, 'mutation { startHandling(orderId: "1") { nope } }')).not.toEqual([])
    const invoice = examples.invoiceOrder.value
    expect(problems(schema, invoice.query, { ...invoice.variables, invoice: { type: 'SALE' } })).not.toEqual([])
  })
})
