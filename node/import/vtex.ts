/**
 * VTEX's shapes ⇄ ponte-core's import model. Updates are read-modify-write over the entity as
 * VTEX returns it, so properties Ponte does not model survive a `PUT` (VTEX blanks whatever a
 * `PUT` omits, §C.5).
 */
import type { VtexProduct, VtexSku } from '../clients/catalogImport'
import type { ImageBody, Product, ProductPatch, Sku, SkuPatch } from './core'

const PRODUCT_FIELDS: Array<[keyof ProductPatch, string]> = [
  ['name', 'Name'],
  ['categoryId', 'CategoryId'],
  ['brandId', 'BrandId'],
  ['refId', 'RefId'],
  ['linkId', 'LinkId'],
  ['title', 'Title'],
  ['description', 'Description'],
  ['descriptionShort', 'DescriptionShort'],
  ['keyWords', 'KeyWords'],
  ['metaTagDescription', 'MetaTagDescription'],
  ['taxCode', 'TaxCode'],
  ['releaseDate', 'ReleaseDate'],
  ['score', 'Score'],
  ['isVisible', 'IsVisible'],
  ['isActive', 'IsActive'],
  ['showWithoutStock', 'ShowWithoutStock'],
]

// No `Ean`: VTEX takes EANs through their own endpoint (`POST .../stockkeepingunit/{id}/ean/{ean}`).
const SKU_FIELDS: Array<[keyof SkuPatch, string]> = [
  ['productId', 'ProductId'],
  ['isActive', 'IsActive'],
  ['name', 'Name'],
  ['refId', 'RefId'],
  ['packagedHeight', 'PackagedHeight'],
  ['packagedLength', 'PackagedLength'],
  ['packagedWidth', 'PackagedWidth'],
  ['packagedWeightKg', 'PackagedWeightKg'],
  ['height', 'Height'],
  ['length', 'Length'],
  ['width', 'Width'],
  ['weightKg', 'WeightKg'],
  ['measurementUnit', 'MeasurementUnit'],
  ['unitMultiplier', 'UnitMultiplier'],
  ['isKit', 'IsKit'],
  ['manufacturerCode', 'ManufacturerCode'],
]

/** The product as the core models it; booleans VTEX leaves out take its defaults (true). */
export function toProduct(p: VtexProduct): Product {
  return {
    ...camel(p, PRODUCT_FIELDS),
    id: p.Id,
    name: p.Name,
    categoryId: p.CategoryId,
    brandId: p.BrandId,
    isVisible: p.IsVisible ?? true,
    isActive: p.IsActive ?? true,
    showWithoutStock: p.ShowWithoutStock ?? true,
  } as Product
}

/** The SKU as the core models it (the EAN too, which VTEX writes through its own endpoint). */
export function toSku(s: VtexSku): Sku {
  return {
    ...camel(s, SKU_FIELDS),
    id: s.Id,
    productId: s.ProductId,
    isActive: s.IsActive ?? false,
    name: s.Name,
    ean: nonEmpty(s.Ean),
    packagedHeight: s.PackagedHeight,
    packagedLength: s.PackagedLength,
    packagedWidth: s.PackagedWidth,
    packagedWeightKg: s.PackagedWeightKg,
    measurementUnit: s.MeasurementUnit ?? 'un',
    unitMultiplier: s.UnitMultiplier ?? 1,
    isKit: s.IsKit ?? false,
  } as Sku
}

/** VTEX's entity in the core's names: every field of the table, with absent and '' as null. */
function camel<T extends object>(entity: object, fields: Array<[keyof T, string]>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [name, vtex] of fields) {
    const value = (entity as Record<string, unknown>)[vtex]
    out[name as string] = value === undefined || value === '' ? null : value
  }
  return out
}

function pascal<T extends object>(patch: T, fields: Array<[keyof T, string]>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [camel, vtex] of fields) {
    const value = patch[camel]
    if (value !== undefined && value !== null) out[vtex] = value
  }
  return out
}

/**
 * The body of a product create (ProductPatch::into_product): the patch's fields; booleans it
 * leaves unset take VTEX's create defaults (true).
 */
export function productCreateBody(patch: ProductPatch, categoryId: number, brandId: number): Record<string, unknown> {
  return {
    IsVisible: true,
    IsActive: true,
    ShowWithoutStock: true,
    ...pascal(patch, PRODUCT_FIELDS),
    CategoryId: categoryId,
    BrandId: brandId,
  }
}

/** The body of a product `PUT` (merge_for_put): the current product with the patch over it. */
export function productPutBody(current: VtexProduct, patch: ProductPatch, categoryId: number, brandId: number): Record<string, unknown> {
  const { ListStoreId: _stores, ...rest } = current
  return { ...rest, ...pascal(patch, PRODUCT_FIELDS), Id: current.Id, CategoryId: categoryId, BrandId: brandId }
}

/** The body of an SKU create (SkuPatch::into_sku): always inactive (VTEX refuses an SKU created active). */
export function skuCreateBody(patch: SkuPatch, productId: number): Record<string, unknown> {
  return {
    MeasurementUnit: 'un',
    UnitMultiplier: 1,
    IsKit: false,
    ...pascal(patch, SKU_FIELDS),
    ProductId: productId,
    IsActive: false,
    ActivateIfPossible: false,
  }
}

/** The body of an SKU `PUT` (merge_sku_for_put): a kit stays a kit. */
export function skuPutBody(current: VtexSku, patch: SkuPatch): Record<string, unknown> {
  return {
    ...current,
    ...pascal(patch, SKU_FIELDS),
    Id: current.Id,
    IsKit: Boolean(current.IsKit) || patch.isKit === true,
  }
}

export function imageBody(image: ImageBody): Record<string, unknown> {
  return {
    Name: image.name,
    Url: image.url,
    IsMain: image.isMain,
    Position: image.position,
    Label: image.label ?? null,
    Text: image.text ?? null,
  }
}

function nonEmpty(v: string | null | undefined): string | null {
  return v === undefined || v === null || v === '' ? null : v
}
