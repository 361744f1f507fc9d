import type { CatalogSource, VtexGroup } from './catalog'
import { Catalog } from './catalog'

// The VTEX Catalog calls a catalog import makes (§C, VTEX's catalog-api.json (tests/openapi/spec/)),
// in VTEX's shapes. Only the properties Ponte reads or writes are declared.

/** One entry of `GET /api/catalog_system/pvt/brand/list`. */
export interface VtexBrandSummary {
  id: number
  name: string
  isActive: boolean
}

/** `GET|POST|PUT /api/catalog/pvt/brand[/{id}]` */
export interface VtexBrand {
  Id: number
  Name: string
  Active: boolean
  LinkId?: string | null
  [other: string]: unknown
}

/** `GET|POST|PUT /api/catalog/pvt/product[/{id}]` (and productgetbyrefid, which adds ListStoreId). */
export interface VtexProduct {
  Id: number
  Name: string
  CategoryId: number
  BrandId: number
  RefId?: string | null
  LinkId?: string | null
  Title?: string | null
  Description?: string | null
  DescriptionShort?: string | null
  KeyWords?: string | null
  MetaTagDescription?: string | null
  TaxCode?: string | null
  ReleaseDate?: string | null
  Score?: number | null
  IsVisible?: boolean
  IsActive?: boolean
  ShowWithoutStock?: boolean
  ListStoreId?: number[] | null
  [other: string]: unknown
}

/** `GET|POST|PUT /api/catalog/pvt/stockkeepingunit[/{id}]` */
export interface VtexSku {
  Id: number
  ProductId: number
  IsActive?: boolean
  Name: string
  RefId?: string | null
  Ean?: string | null
  PackagedHeight: number
  PackagedLength: number
  PackagedWidth: number
  PackagedWeightKg: number
  Height?: number | null
  Length?: number | null
  Width?: number | null
  WeightKg?: number | null
  MeasurementUnit?: string | null
  UnitMultiplier?: number | null
  IsKit?: boolean
  ManufacturerCode?: string | null
  [other: string]: unknown
}

/** `GET|POST /api/catalog/pvt/product/{id}/specification` */
export interface VtexProductSpecification {
  Id: number
  ProductId: number
  FieldId: number
  FieldValueId?: number | null
  Text?: string | null
}

/** `GET|POST /api/catalog/pvt/stockkeepingunit/{id}/specification` */
export interface VtexSkuSpecification {
  Id: number
  SkuId: number
  FieldId: number
  FieldValueId: number
  Text?: string | null
}

/** `GET|POST /api/catalog/pvt/stockkeepingunit/{id}/file` */
export interface VtexSkuFile {
  Id: number
  SkuId: number
  Name: string
  Url?: string | null
  IsMain?: boolean
  Position?: number | null
  Label?: string | null
  Text?: string | null
}

/** `GET /api/catalog/pvt/product/{id}/salespolicy` */
export interface VtexProductTradePolicy {
  ProductId: number
  StoreId: number
}

/** `GET /api/catalog/pvt/stockkeepingunitkit?parentSkuId=` */
export interface VtexKitComponent {
  Id?: number
  StockKeepingUnitParent: number
  StockKeepingUnitId: number
  Quantity: number
}

/**
 * What a catalog import reads and writes. The service implements it with {@link CatalogWriter};
 * unit tests with an in-memory catalog that can also answer 429 and 5xx.
 */
export interface ImportTarget extends CatalogSource {
  brands(): Promise<VtexBrandSummary[]>
  /** null when VTEX answers 404. */
  brand(id: number): Promise<VtexBrand | null>
  createBrand(body: Record<string, unknown>): Promise<{ Id: number }>
  updateBrand(id: number, body: Record<string, unknown>): Promise<unknown>

  createCategory(body: Record<string, unknown>): Promise<{ Id: number }>
  updateCategory(id: number, body: Record<string, unknown>): Promise<unknown>

  /** Empty when VTEX answers 404. */
  groupsOfCategory(categoryId: number): Promise<VtexGroup[]>
  createGroup(body: Record<string, unknown>): Promise<{ Id: number }>
  updateGroup(id: number, body: Record<string, unknown>): Promise<unknown>
  createField(body: Record<string, unknown>): Promise<{ Id?: number; FieldId?: number }>
  updateField(id: number, body: Record<string, unknown>): Promise<unknown>
  createValue(body: Record<string, unknown>): Promise<{ FieldValueId: number }>
  updateValue(id: number, body: Record<string, unknown>): Promise<unknown>

  /** null when VTEX answers 404. */
  productByRefId(refId: string): Promise<VtexProduct | null>
  /** null when VTEX answers 404. */
  product(id: number): Promise<VtexProduct | null>
  createProduct(body: Record<string, unknown>): Promise<{ Id: number }>
  updateProduct(id: number, body: Record<string, unknown>): Promise<unknown>
  productTradePolicies(productId: number): Promise<VtexProductTradePolicy[]>
  linkTradePolicy(productId: number, tradePolicyId: number): Promise<unknown>
  productSpecifications(productId: number): Promise<VtexProductSpecification[]>
  addProductSpecification(productId: number, body: Record<string, unknown>): Promise<unknown>
  deleteProductSpecification(productId: number, specificationId: number): Promise<unknown>

  /** null when VTEX answers 404. */
  skuIdByRefId(refId: string): Promise<number | null>
  /** null when VTEX answers 404. */
  skuByEan(ean: string): Promise<{ Id: number } | null>
  /** null when VTEX answers 404. */
  sku(id: number): Promise<VtexSku | null>
  createSku(body: Record<string, unknown>): Promise<{ Id: number }>
  updateSku(id: number, body: Record<string, unknown>): Promise<unknown>
  /** The SKU's EANs (`GET .../stockkeepingunit/{id}/ean`); empty when VTEX answers 404. */
  skuEans(skuId: number): Promise<string[]>
  /** EANs are not part of the SKU body: `POST .../stockkeepingunit/{id}/ean/{ean}` (create only). */
  addSkuEan(skuId: number, ean: string): Promise<unknown>
  skuSpecifications(skuId: number): Promise<VtexSkuSpecification[]>
  addSkuSpecification(skuId: number, body: Record<string, unknown>): Promise<unknown>
  updateSkuSpecification(skuId: number, body: Record<string, unknown>): Promise<unknown>
  skuFiles(skuId: number): Promise<VtexSkuFile[]>
  addSkuFile(skuId: number, body: Record<string, unknown>): Promise<unknown>
  updateSkuFile(skuId: number, fileId: number, body: Record<string, unknown>): Promise<unknown>
  kitComponents(kitSkuId: number): Promise<VtexKitComponent[]>
  addKitComponent(body: Record<string, unknown>): Promise<unknown>
}

/**
 * The VTEX Catalog for imports, through Janus. Built by the import runner with its own options:
 * `retries: 0` (the runner retries 429 and 5xx itself, honouring `Retry-After`, and counts every
 * attempt; @vtex/api would otherwise retry GET/PUT 5xx silently) and `memoizable: false` (a job
 * outlives a request and must see its own writes: memoized GETs would answer a lookup with what
 * an earlier lookup saw).
 */
export class CatalogWriter extends Catalog implements ImportTarget {
  // The reads shared with the catalog queries (CatalogSource) are Catalog's, metered as `import-*`.
  protected override get metricPrefix(): string {
    return 'import'
  }

  // Brands

  public brands(): Promise<VtexBrandSummary[]> {
    return this.http.get('/api/catalog_system/pvt/brand/list', { metric: this.metric('brand-list') })
  }

  public brand(id: number): Promise<VtexBrand | null> {
    return this.getOrNull(`/api/catalog/pvt/brand/${id}`, 'brand-get')
  }

  public createBrand(body: Record<string, unknown>): Promise<{ Id: number }> {
    return this.http.post('/api/catalog/pvt/brand', body, { metric: this.metric('brand-create') })
  }

  public updateBrand(id: number, body: Record<string, unknown>): Promise<unknown> {
    return this.http.put(`/api/catalog/pvt/brand/${id}`, body, { metric: this.metric('brand-update') })
  }

  // Categories and specifications

  public createCategory(body: Record<string, unknown>): Promise<{ Id: number }> {
    return this.http.post('/api/catalog/pvt/category', body, { metric: this.metric('category-create') })
  }

  public updateCategory(id: number, body: Record<string, unknown>): Promise<unknown> {
    return this.http.put(`/api/catalog/pvt/category/${id}`, body, { metric: this.metric('category-update') })
  }

  public groupsOfCategory(categoryId: number): Promise<VtexGroup[]> {
    return this.listOrEmpty(`/api/catalog_system/pvt/specification/groupbycategory/${categoryId}`, 'spec-groups-by-category')
  }

  public createGroup(body: Record<string, unknown>): Promise<{ Id: number }> {
    return this.http.post('/api/catalog/pvt/specificationgroup', body, { metric: this.metric('spec-group-create') })
  }

  public updateGroup(id: number, body: Record<string, unknown>): Promise<unknown> {
    return this.http.put(`/api/catalog/pvt/specificationgroup/${id}`, body, { metric: this.metric('spec-group-update') })
  }

  public createField(body: Record<string, unknown>): Promise<{ Id?: number; FieldId?: number }> {
    return this.http.post('/api/catalog/pvt/specification', body, { metric: this.metric('spec-field-create') })
  }

  public updateField(id: number, body: Record<string, unknown>): Promise<unknown> {
    return this.http.put(`/api/catalog/pvt/specification/${id}`, body, { metric: this.metric('spec-field-update') })
  }

  public createValue(body: Record<string, unknown>): Promise<{ FieldValueId: number }> {
    return this.http.post('/api/catalog/pvt/specificationvalue', body, { metric: this.metric('spec-value-create') })
  }

  public updateValue(id: number, body: Record<string, unknown>): Promise<unknown> {
    return this.http.put(`/api/catalog/pvt/specificationvalue/${id}`, body, { metric: this.metric('spec-value-update') })
  }

  // Products

  public productByRefId(refId: string): Promise<VtexProduct | null> {
    return this.getOrNull(
      `/api/catalog_system/pvt/products/productgetbyrefid/${encodeURIComponent(refId)}`,
      'product-by-refid'
    )
  }

  public product(id: number): Promise<VtexProduct | null> {
    return this.getOrNull(`/api/catalog/pvt/product/${id}`, 'product-get')
  }

  public createProduct(body: Record<string, unknown>): Promise<{ Id: number }> {
    return this.http.post('/api/catalog/pvt/product', body, { metric: this.metric('product-create') })
  }

  public updateProduct(id: number, body: Record<string, unknown>): Promise<unknown> {
    return this.http.put(`/api/catalog/pvt/product/${id}`, body, { metric: this.metric('product-update') })
  }

  public productTradePolicies(productId: number): Promise<VtexProductTradePolicy[]> {
    return this.listOrEmpty(`/api/catalog/pvt/product/${productId}/salespolicy`, 'product-salespolicies')
  }

  public linkTradePolicy(productId: number, tradePolicyId: number): Promise<unknown> {
    return this.http.post(`/api/catalog/pvt/product/${productId}/salespolicy/${tradePolicyId}`, undefined, {
      metric: this.metric('product-salespolicy-link'),
    })
  }

  public productSpecifications(productId: number): Promise<VtexProductSpecification[]> {
    return this.listOrEmpty(`/api/catalog/pvt/product/${productId}/specification`, 'product-specs')
  }

  public addProductSpecification(productId: number, body: Record<string, unknown>): Promise<unknown> {
    return this.http.post(`/api/catalog/pvt/product/${productId}/specification`, body, { metric: this.metric('product-spec-add') })
  }

  public deleteProductSpecification(productId: number, specificationId: number): Promise<unknown> {
    return this.http.delete(`/api/catalog/pvt/product/${productId}/specification/${specificationId}`, {
      metric: this.metric('product-spec-delete'),
    })
  }

  // SKUs

  public async skuIdByRefId(refId: string): Promise<number | null> {
    const id = await this.getOrNull<string | number>(
      `/api/catalog_system/pvt/sku/stockkeepingunitidbyrefid/${encodeURIComponent(refId)}`,
      'sku-id-by-refid'
    )
    // VTEX answers the id as a JSON string ("310118450"); an empty answer means none.
    const n = id === null || id === '' ? NaN : Number(id)
    return Number.isInteger(n) && n > 0 ? n : null
  }

  /** The trade policies (`GET /api/catalog_system/pvt/saleschannel/list`): the price sync's tables. */
  public salesChannels(): Promise<Array<{ Id: number; Name?: string; IsActive?: boolean }>> {
    return this.http.get('/api/catalog_system/pvt/saleschannel/list', { metric: this.metric('saleschannel-list') })
  }

  public skuByEan(ean: string): Promise<{ Id: number } | null> {
    return this.getOrNull(`/api/catalog_system/pvt/sku/stockkeepingunitbyean/${encodeURIComponent(ean)}`, 'sku-by-ean')
  }

  public sku(id: number): Promise<VtexSku | null> {
    return this.getOrNull(`/api/catalog/pvt/stockkeepingunit/${id}`, 'sku-get')
  }

  public createSku(body: Record<string, unknown>): Promise<{ Id: number }> {
    return this.http.post('/api/catalog/pvt/stockkeepingunit', body, { metric: this.metric('sku-create') })
  }

  public updateSku(id: number, body: Record<string, unknown>): Promise<unknown> {
    return this.http.put(`/api/catalog/pvt/stockkeepingunit/${id}`, body, { metric: this.metric('sku-update') })
  }

  public skuEans(skuId: number): Promise<string[]> {
    return this.listOrEmpty(`/api/catalog/pvt/stockkeepingunit/${skuId}/ean`, 'sku-eans')
  }

  public addSkuEan(skuId: number, ean: string): Promise<unknown> {
    return this.http.post(`/api/catalog/pvt/stockkeepingunit/${skuId}/ean/${encodeURIComponent(ean)}`, undefined, {
      metric: this.metric('sku-ean-add'),
    })
  }

  public skuSpecifications(skuId: number): Promise<VtexSkuSpecification[]> {
    return this.listOrEmpty(`/api/catalog/pvt/stockkeepingunit/${skuId}/specification`, 'sku-specs')
  }

  public addSkuSpecification(skuId: number, body: Record<string, unknown>): Promise<unknown> {
    return this.http.post(`/api/catalog/pvt/stockkeepingunit/${skuId}/specification`, body, { metric: this.metric('sku-spec-add') })
  }

  public updateSkuSpecification(skuId: number, body: Record<string, unknown>): Promise<unknown> {
    return this.http.put(`/api/catalog/pvt/stockkeepingunit/${skuId}/specification`, body, { metric: this.metric('sku-spec-update') })
  }

  public skuFiles(skuId: number): Promise<VtexSkuFile[]> {
    return this.listOrEmpty(`/api/catalog/pvt/stockkeepingunit/${skuId}/file`, 'sku-files')
  }

  public addSkuFile(skuId: number, body: Record<string, unknown>): Promise<unknown> {
    return this.http.post(`/api/catalog/pvt/stockkeepingunit/${skuId}/file`, body, { metric: this.metric('sku-file-add') })
  }

  public updateSkuFile(skuId: number, fileId: number, body: Record<string, unknown>): Promise<unknown> {
    return this.http.put(`/api/catalog/pvt/stockkeepingunit/${skuId}/file/${fileId}`, body, { metric: this.metric('sku-file-update') })
  }

  public kitComponents(kitSkuId: number): Promise<VtexKitComponent[]> {
    return this.listOrEmpty(`/api/catalog/pvt/stockkeepingunitkit?parentSkuId=${kitSkuId}`, 'sku-kit-list')
  }

  public addKitComponent(body: Record<string, unknown>): Promise<unknown> {
    return this.http.post('/api/catalog/pvt/stockkeepingunitkit', body, { metric: this.metric('sku-kit-add') })
  }
}

/** Every path this client calls, with `*` for an id; manifest.test.ts checks each has an outbound-access policy. */
export const IMPORT_PATHS = [
  '/api/catalog_system/pvt/brand/list',
  '/api/catalog_system/pvt/saleschannel/list',
  '/api/catalog/pvt/brand/*',
  '/api/catalog/pvt/category/*',
  '/api/catalog/pvt/specificationgroup/*',
  '/api/catalog/pvt/specification/*',
  '/api/catalog/pvt/specificationvalue/*',
  '/api/catalog_system/pvt/specification/groupbycategory/*',
  '/api/catalog/pvt/product/*',
  '/api/catalog_system/pvt/products/productgetbyrefid/*',
  '/api/catalog/pvt/stockkeepingunit/*',
  '/api/catalog_system/pvt/sku/stockkeepingunitidbyrefid/*',
  '/api/catalog_system/pvt/sku/stockkeepingunitbyean/*',
  '/api/catalog/pvt/stockkeepingunitkit*',
] as const
