import type { InstanceOptions, IOContext, RequestConfig } from '@vtex/api'
import { JanusClient } from '@vtex/api'

import type {
  Category,
  SpecificationField,
  SpecificationGroup,
  SpecificationValue,
} from '../catalog/core'

// VTEX Catalog API shapes, as VTEX serves them (PascalCase; the tree endpoint is camelCase).
// Only the properties Ponte reads are declared; VTEX sends more.

/** The part of `GET /api/catalog_system/pvt/sku/stockkeepingunitbyid/{skuId}` pricing reads. */
export interface VtexSkuContext {
  BrandId?: string | number | null
  /** The category path, `"/1/10/"`. */
  ProductCategoryIds?: string | null
}

/** `GET /api/catalog/pvt/category/{categoryId}` */
export interface VtexCategory {
  Id: number
  Name: string
  /** null for a department. */
  FatherCategoryId: number | null
  IsActive: boolean
  HasChildren?: boolean | null
}

/** One node of `GET /api/catalog_system/pub/category/tree/{categoryLevels}`. */
export interface VtexCategoryTreeNode {
  id: number
  name: string
  hasChildren: boolean
  children: VtexCategoryTreeNode[]
}

/** One entry of `GET /api/catalog_system/pub/specification/field/listTreeByCategoryId/{categoryId}`. */
export interface VtexFieldSummary {
  FieldId: number
  Name: string
  CategoryId: number | null
  IsActive: boolean
  IsStockKeepingUnit: boolean
}

/** `GET /api/catalog_system/pub/specification/fieldGet/{fieldId}` */
export interface VtexField {
  FieldId: number
  Name: string
  CategoryId: number | null
  FieldGroupId: number
  FieldTypeId: number
  Position: number | null
  IsActive: boolean
  IsRequired: boolean
  IsFilter: boolean
  IsStockKeepingUnit: boolean
}

/** `GET /api/catalog_system/pub/specification/groupGet/{groupId}` */
export interface VtexGroup {
  Id: number
  Name: string
  /** null for a root-level group. */
  CategoryId: number | null
  Position: number | null
}

/** One entry of `GET /api/catalog_system/pub/specification/fieldvalue/{fieldId}` */
export interface VtexFieldValue {
  FieldValueId: number
  Value: string
  IsActive: boolean
  Position: number | null
}

/** The reads Ponte makes from the VTEX Catalog; unit tests implement it with an in-memory fake. */
export interface CatalogSource {
  /** null when VTEX answers 404. */
  category(id: number): Promise<VtexCategory | null>
  categoryTree(levels: number): Promise<VtexCategoryTreeNode[]>
  /** Empty when VTEX answers 404 (unknown category). */
  fieldsVisibleAt(categoryId: number): Promise<VtexFieldSummary[]>
  /** null when VTEX answers 404. */
  field(fieldId: number): Promise<VtexField | null>
  /** null when VTEX answers 404. */
  group(groupId: number): Promise<VtexGroup | null>
  /** Empty when VTEX answers 404. */
  fieldValues(fieldId: number): Promise<VtexFieldValue[]>
}

/**
 * The VTEX Catalog API through Janus (`http://portal.vtexcommercestable.com.br/api/...?an=ACCOUNT`).
 * Every call carries the app's token as `VtexIdclientAutCookie` and its own `metric` name.
 */
export class Catalog extends JanusClient implements CatalogSource {
  constructor(context: IOContext, options?: InstanceOptions) {
    super(context, {
      ...options,
      headers: {
        ...options?.headers,
        ...(context.authToken ? { VtexIdclientAutCookie: context.authToken } : {}),
      },
    })
  }

  /** The first part of every metric name (`catalog-category-get`); the import's client has its own. */
  protected get metricPrefix(): string {
    return 'catalog'
  }

  /**
   * What prices an SKU by rule (§D.3): its product's brand and category path, from the SKU
   * context (`GET /api/catalog_system/pvt/sku/stockkeepingunitbyid/{skuId}`, §C.6); null on 404.
   */
  public async skuPricingContext(skuId: number): Promise<{ brandId: string | null; categoryIds: string[] } | null> {
    const got = await this.getOrNull<VtexSkuContext>(`/api/catalog_system/pvt/sku/stockkeepingunitbyid/${skuId}`, 'sku-context')
    if (!got) return null
    const brand = got.BrandId === undefined || got.BrandId === null ? '' : String(got.BrandId)
    return {
      brandId: brand === '' ? null : brand,
      // "/1/10/": the department down to the product's category; a rule naming any of them fits.
      categoryIds: String(got.ProductCategoryIds ?? '').split('/').filter((c) => c !== ''),
    }
  }

  public category(id: number): Promise<VtexCategory | null> {
    return this.getOrNull(`/api/catalog/pvt/category/${id}`, 'category-get')
  }

  public categoryTree(levels: number): Promise<VtexCategoryTreeNode[]> {
    return this.http.get<VtexCategoryTreeNode[]>(`/api/catalog_system/pub/category/tree/${levels}`, {
      metric: this.metric('category-tree'),
    })
  }

  public fieldsVisibleAt(categoryId: number): Promise<VtexFieldSummary[]> {
    return this.listOrEmpty(`/api/catalog_system/pub/specification/field/listTreeByCategoryId/${categoryId}`, 'spec-fields-by-category')
  }

  public field(fieldId: number): Promise<VtexField | null> {
    return this.getOrNull(`/api/catalog_system/pub/specification/fieldGet/${fieldId}`, 'spec-field-get')
  }

  public group(groupId: number): Promise<VtexGroup | null> {
    return this.getOrNull(`/api/catalog_system/pub/specification/groupGet/${groupId}`, 'spec-group-get')
  }

  public fieldValues(fieldId: number): Promise<VtexFieldValue[]> {
    return this.listOrEmpty(`/api/catalog_system/pub/specification/fieldvalue/${fieldId}`, 'spec-field-values')
  }

  /** A GET of a list whose 404 is an empty list. */
  protected async listOrEmpty<T>(url: string, name: string): Promise<T[]> {
    return (await this.getOrNull<T[]>(url, name)) ?? []
  }

  protected metric(name: string): string {
    return `${this.metricPrefix}-${name}`
  }

  /** A GET whose 404 resolves to null (`nullIfNotFound`) instead of throwing; `name` as for {@link metric}. */
  protected getOrNull<T>(url: string, name: string): Promise<T | null> {
    const config: RequestConfig = { metric: this.metric(name), nullIfNotFound: true }
    return this.http.get<T | null>(url, config)
  }
}

/** Every path this client calls, with `*` for an id; manifest.test.ts checks each has an outbound-access policy. */
export const CATALOG_PATHS = [
  '/api/catalog/pvt/category/*',
  '/api/catalog_system/pvt/sku/stockkeepingunitbyid/*',
  '/api/catalog_system/pub/category/tree/*',
  '/api/catalog_system/pub/specification/field/listTreeByCategoryId/*',
  '/api/catalog_system/pub/specification/fieldGet/*',
  '/api/catalog_system/pub/specification/groupGet/*',
  '/api/catalog_system/pub/specification/fieldvalue/*',
] as const

// Mapping into ponte-core's input types (camelCase, see crates/core/src/catalog/model.rs).

/** A category; `HasChildren` keeps a category whose children were not read from counting as a leaf. */
export function toCategory(c: VtexCategory): Category {
  return {
    id: c.Id,
    name: c.Name,
    fatherCategoryId: c.FatherCategoryId ?? null,
    isActive: c.IsActive,
    hasChildren: c.HasChildren ?? null,
  }
}

/**
 * The categories of a tree answer, each with its father. The public tree lists the categories
 * the storefront shows, so every one of them is active.
 */
export function treeToCategories(nodes: VtexCategoryTreeNode[]): Category[] {
  const out: Category[] = []
  const visit = (node: VtexCategoryTreeNode, father: number | null) => {
    out.push({ id: node.id, name: node.name, fatherCategoryId: father, isActive: true, hasChildren: node.hasChildren })
    for (const child of node.children ?? []) visit(child, node.id)
  }
  for (const node of nodes) visit(node, null)
  return out
}

export function toGroup(g: VtexGroup): SpecificationGroup {
  return { id: g.Id, categoryId: g.CategoryId ?? null, name: g.Name, position: g.Position ?? 0 }
}

/**
 * A field. Its scope is its group's: VTEX moves a field with its group, so the field's own
 * `CategoryId` is left out rather than risk refusing the whole read over a stale copy of it.
 */
export function toField(f: VtexField): SpecificationField {
  return {
    id: f.FieldId,
    name: f.Name,
    fieldTypeId: f.FieldTypeId,
    fieldGroupId: f.FieldGroupId,
    categoryId: null,
    position: f.Position ?? 0,
    isRequired: f.IsRequired,
    isActive: f.IsActive,
    isFilter: f.IsFilter,
    isStockKeepingUnit: f.IsStockKeepingUnit,
  }
}

export function toValue(fieldId: number, v: VtexFieldValue): SpecificationValue {
  return { id: v.FieldValueId, fieldId, name: v.Value, isActive: v.IsActive, position: v.Position ?? 0 }
}
