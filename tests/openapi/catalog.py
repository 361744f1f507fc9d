"""The Catalog part of the contract check: category, specification group, field and value
endpoints (and the brand, product and SKU ones when the simulator has them) on a simulator
seeded with `--seed demo`, validated against spec/catalog-api.json (vendored)."""

from contract import call, has_route


# Fields the spec marks required on category writes (VTEX itself defaults them).
CATEGORY_EXTRA = {
    "AdWordsRemarketingCode": "", "LomadeeCampaignCode": "", "GlobalCategoryId": 0,
    "ShowInStoreFront": True, "ActiveStoreFrontLink": True, "ShowBrandFilter": True,
    "Score": 0, "StockKeepingUnitSelectionMode": "SPECIFICATION",
}


def exercise(rec, base):
    ok = lambda s: 200 <= s < 300  # noqa: E731
    # Categories.
    s, tree = call(rec, base, "GET", "/api/catalog_system/pub/category/tree/3")
    s, cat = call(rec, base, "GET", "/api/catalog/pvt/category/1")
    s, dept = call(rec, base, "POST", "/api/catalog/pvt/category", {
        "Name": "Contract Dept", "Keywords": "contract", "Title": "Contract Dept",
        "Description": "Checked against the spec", "IsActive": True,
        "FatherCategoryId": None, **CATEGORY_EXTRA,
    })
    dept_id = dept.get("Id") if isinstance(dept, dict) else None
    child_id = None
    if dept_id:
        s, child = call(rec, base, "POST", "/api/catalog/pvt/category", {
            "Name": "Contract Leaf", "Keywords": "leaf", "Title": "Contract Leaf",
            "Description": "A leaf", "IsActive": True, "FatherCategoryId": dept_id,
            **CATEGORY_EXTRA,
        })
        child_id = child.get("Id") if isinstance(child, dict) else None
        call(rec, base, "PUT", f"/api/catalog/pvt/category/{dept_id}", {
            "Name": "Contract Dept", "Keywords": "contract", "Title": "Contract Dept (edited)",
            "Description": "Edited", "IsActive": True, "FatherCategoryId": None,
            **CATEGORY_EXTRA,
        })
        call(rec, base, "GET", f"/api/catalog/pvt/category/{dept_id}")
    call(rec, base, "GET", "/api/catalog/pvt/category/999999")
    leaf = child_id or 1
    # Specification groups.
    s, group = call(rec, base, "POST", "/api/catalog/pvt/specificationgroup",
                    {"CategoryId": leaf, "Name": "Contract Group", "Position": 1})
    group_id = group.get("Id") if isinstance(group, dict) else None
    if group_id:
        call(rec, base, "PUT", f"/api/catalog/pvt/specificationgroup/{group_id}",
             {"Id": group_id, "CategoryId": leaf, "Name": "Contract Group 2", "Position": 2})
    call(rec, base, "GET", f"/api/catalog_system/pvt/specification/groupbycategory/{leaf}")
    if group_id:
        call(rec, base, "GET", f"/api/catalog_system/pub/specification/groupget/{group_id}")
    # Fields.
    field_id = sku_field_id = None
    if group_id:
        s, field = call(rec, base, "POST", "/api/catalog/pvt/specification", {
            "FieldTypeId": 5, "CategoryId": leaf, "FieldGroupId": group_id, "Name": "Material",
            "Description": "What it is made of", "Position": 1, "IsFilter": True,
            "IsRequired": False, "IsOnProductDetails": True, "IsStockKeepingUnit": False,
            "IsActive": True, "IsTopMenuLinkActive": False, "IsSideMenuLinkActive": True,
        })
        field_id = field.get("Id") if isinstance(field, dict) else None
        s, sku_field = call(rec, base, "POST", "/api/catalog/pvt/specification", {
            "FieldTypeId": 6, "CategoryId": leaf, "FieldGroupId": group_id, "Name": "Size",
            "Position": 2, "IsFilter": True, "IsRequired": False, "IsOnProductDetails": True,
            "IsStockKeepingUnit": True, "IsActive": True, "IsTopMenuLinkActive": False,
            "IsSideMenuLinkActive": False,
        })
        sku_field_id = sku_field.get("Id") if isinstance(sku_field, dict) else None
        # Refused: an SKU field that is not Combo/Radio (VTEX's rule).
        call(rec, base, "POST", "/api/catalog/pvt/specification", {
            "FieldTypeId": 1, "CategoryId": leaf, "FieldGroupId": group_id, "Name": "Bad",
            "IsStockKeepingUnit": True, "IsActive": True,
        })
    if field_id:
        call(rec, base, "GET", f"/api/catalog/pvt/specification/{field_id}")
        call(rec, base, "PUT", f"/api/catalog/pvt/specification/{field_id}", {
            "FieldTypeId": 5, "CategoryId": leaf, "FieldGroupId": group_id,
            "Name": "Material", "Description": "What it is made of", "Position": 3,
            "IsFilter": False, "IsRequired": False,
            "IsOnProductDetails": True, "IsStockKeepingUnit": False, "IsActive": True,
            "IsTopMenuLinkActive": False, "IsSideMenuLinkActive": True, "IsWizard": False,
            "DefaultValue": "",
        })
        call(rec, base, "GET", f"/api/catalog_system/pub/specification/fieldget/{field_id}")
        s, legacy = call(rec, base, "POST", "/api/catalog_system/pvt/specification/field", {
            "Name": "Care", "CategoryId": leaf, "FieldId": 0, "IsActive": True,
            "IsRequired": False, "FieldTypeId": 1, "FieldValueId": None,
            "Description": "How to wash", "IsStockKeepingUnit": False, "IsFilter": False,
            "IsOnProductDetails": True, "Position": 4, "IsWizard": False,
            "IsTopMenuLinkActive": False, "IsSideMenuLinkActive": False,
            "DefaultValue": None, "FieldGroupId": group_id, "FieldGroupName": "Contract Group 2",
        })
    call(rec, base, "GET", f"/api/catalog_system/pub/specification/field/listByCategoryId/{leaf}")
    call(rec, base, "GET", f"/api/catalog_system/pub/specification/field/listTreeByCategoryId/{leaf}")
    # Values.
    value_ids = []
    for fid, names in ((field_id, ["Cotton", "Wool"]), (sku_field_id, ["S", "M", "L"])):
        for i, name in enumerate(names if fid else []):
            s, v = call(rec, base, "POST", "/api/catalog/pvt/specificationvalue",
                        {"FieldId": fid, "Name": name, "Text": name, "IsActive": True,
                         "Position": i + 1})
            if isinstance(v, dict) and v.get("FieldValueId"):
                value_ids.append(v["FieldValueId"])
    if value_ids:
        vid = value_ids[0]
        call(rec, base, "GET", f"/api/catalog/pvt/specificationvalue/{vid}")
        call(rec, base, "PUT", f"/api/catalog/pvt/specificationvalue/{vid}",
             {"FieldId": field_id, "Name": "Cotton", "Text": "100% cotton", "IsActive": True,
              "Position": 1})
        call(rec, base, "GET", f"/api/catalog_system/pvt/specification/fieldValue/{vid}")
    if field_id:
        call(rec, base, "POST", "/api/catalog_system/pvt/specification/fieldValue",
             {"FieldId": field_id, "Name": "Linen", "Text": "Linen", "IsActive": True,
              "Position": 3})
        call(rec, base, "GET", f"/api/catalog_system/pub/specification/fieldvalue/{field_id}")
    # Brands, products, SKUs: only when the simulator serves them.
    if has_route(base, "GET", "/api/catalog_system/pvt/brand/list"):
        s, brand = call(rec, base, "POST", "/api/catalog/pvt/brand", {
            "Name": "Contract Brand", "Text": "Contract Brand", "Keywords": "contract",
            "SiteTitle": "Contract Brand", "Active": True, "MenuHome": True,
            "LinkId": "contract-brand",
        })
        brand_id = brand.get("Id") if isinstance(brand, dict) else None
        call(rec, base, "GET", "/api/catalog_system/pvt/brand/list")
        if brand_id:
            call(rec, base, "GET", f"/api/catalog/pvt/brand/{brand_id}")
            call(rec, base, "PUT", f"/api/catalog/pvt/brand/{brand_id}", {
                "Name": "Contract Brand", "Text": "Edited", "Keywords": "contract",
                "SiteTitle": "Contract Brand", "Active": True, "MenuHome": False,
                "LinkId": "contract-brand",
            })
        product_id = None
        if brand_id and child_id:
            s, product = call(rec, base, "POST", "/api/catalog/pvt/product", {
                "Name": "Contract Shirt", "CategoryId": child_id, "BrandId": brand_id,
                "RefId": "CONTRACT-1", "Title": "Contract Shirt", "LinkId": "contract-shirt",
                "Description": "A shirt", "IsVisible": True, "IsActive": True,
                "ShowWithoutStock": True, "TaxCode": "", "Score": 1,
            })
            product_id = product.get("Id") if isinstance(product, dict) else None
        if product_id:
            call(rec, base, "GET", f"/api/catalog/pvt/product/{product_id}")
            call(rec, base, "PUT", f"/api/catalog/pvt/product/{product_id}", {
                "Name": "Contract Shirt", "CategoryId": child_id, "BrandId": brand_id,
                "RefId": "CONTRACT-1", "Title": "Contract Shirt (edited)",
                "LinkId": "contract-shirt", "Description": "A shirt", "IsVisible": True,
                "IsActive": True, "ShowWithoutStock": True,
            })
            call(rec, base, "GET", "/api/catalog_system/pvt/products/productgetbyrefid/CONTRACT-1")
            if field_id and value_ids:
                call(rec, base, "POST", f"/api/catalog/pvt/product/{product_id}/specification",
                     {"FieldId": field_id, "FieldValueId": value_ids[0]})
                call(rec, base, "GET", f"/api/catalog/pvt/product/{product_id}/specification")
            call(rec, base, "POST", f"/api/catalog/pvt/product/{product_id}/salespolicy/1")
            call(rec, base, "GET", f"/api/catalog/pvt/product/{product_id}/salespolicy")
            s, sku = call(rec, base, "POST", "/api/catalog/pvt/stockkeepingunit", {
                "ProductId": product_id, "IsActive": False, "Name": "Contract Shirt M",
                "RefId": "CONTRACT-1-M", "PackagedHeight": 10, "PackagedLength": 20,
                "PackagedWidth": 15, "PackagedWeightKg": 300, "MeasurementUnit": "un",
                "UnitMultiplier": 1, "IsKit": False,
            })
            # Refused: an SKU created active.
            call(rec, base, "POST", "/api/catalog/pvt/stockkeepingunit", {
                "ProductId": product_id, "IsActive": True, "Name": "Active", "RefId": "X",
                "PackagedHeight": 1, "PackagedLength": 1, "PackagedWidth": 1,
                "PackagedWeightKg": 1,
            })
            sku_id = sku.get("Id") if isinstance(sku, dict) else None
            if sku_id:
                call(rec, base, "GET", f"/api/catalog/pvt/stockkeepingunit/{sku_id}")
                call(rec, base, "GET", "/api/catalog_system/pvt/sku/stockkeepingunitidbyrefid/CONTRACT-1-M")
                call(rec, base, "GET", f"/api/catalog_system/pvt/sku/stockkeepingunitByProductId/{product_id}")
                call(rec, base, "POST", f"/api/catalog/pvt/stockkeepingunit/{sku_id}/ean/7891234567895")
                call(rec, base, "GET", f"/api/catalog/pvt/stockkeepingunit/{sku_id}/ean")
                if sku_field_id and len(value_ids) > 2:
                    call(rec, base, "POST", f"/api/catalog/pvt/stockkeepingunit/{sku_id}/specification",
                         {"FieldId": sku_field_id, "FieldValueId": value_ids[3] if len(value_ids) > 3 else value_ids[-1]})
                    call(rec, base, "GET", f"/api/catalog/pvt/stockkeepingunit/{sku_id}/specification")
                call(rec, base, "POST", f"/api/catalog/pvt/stockkeepingunit/{sku_id}/file", {
                    "IsMain": True, "Label": "front", "Name": "front",
                    "Text": "Front", "Url": "https://cdn.example.com/shirt-front.jpg",
                })
                call(rec, base, "GET", f"/api/catalog/pvt/stockkeepingunit/{sku_id}/file")
                call(rec, base, "GET", f"/api/catalog_system/pvt/sku/stockkeepingunitbyid/{sku_id}")
                call(rec, base, "GET", "/api/catalog_system/pvt/sku/stockkeepingunitbyean/7891234567895")
                call(rec, base, "PUT", f"/api/catalog/pvt/stockkeepingunit/{sku_id}", {
                    "ProductId": product_id, "IsActive": True, "Name": "Contract Shirt M",
                    "RefId": "CONTRACT-1-M", "PackagedHeight": 10, "PackagedLength": 20,
                    "PackagedWidth": 15, "PackagedWeightKg": 300,
                })
