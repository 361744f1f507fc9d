//! SKU files: images by URL (`.../stockkeepingunit/{id}/file`; §C.9).

use super::input::FileInput;
use super::input::*;
use crate::platform::error::ApiError;
use crate::vtex::catalog::account::AccountCatalog;
use crate::vtex::catalog::tables::Change;
use ponte_core::catalog::import::*;

impl AccountCatalog {
    /// `POST .../stockkeepingunit/{skuId}/file` (JSON, by URL): `Name` and an `http(s)` `Url`
    /// ending in `.jpg`, `.png` or `.gif` required; `Position 0` ⇔ `IsMain`; one main image
    /// per SKU and image names unique per SKU **[emulator default: refused, `400` / `409`]**.
    /// Without `Position` the main image goes to 0 and others after the last one.
    pub fn add_file(
        &mut self,
        sku: u32,
        input: FileInput,
        changes: &mut Vec<Change>,
    ) -> Result<SkuImage, ApiError> {
        self.put_file(sku, None, input, changes)
    }

    /// `PUT .../stockkeepingunit/{skuId}/file/{skuFileId}`: replaces a file (same rules).
    pub fn update_file(
        &mut self,
        sku: u32,
        file: u32,
        input: FileInput,
        changes: &mut Vec<Change>,
    ) -> Result<SkuImage, ApiError> {
        if self
            .commerce
            .files
            .get(&file)
            .is_none_or(|f| f.sku_id.0 != sku)
        {
            self.sku_record(sku)?;
            return Err(ApiError::not_found(
                "SKU_FILE_NOT_FOUND",
                format!("SKU {sku} has no file {file}"),
            ));
        }
        self.put_file(sku, Some(file), input, changes)
    }

    pub fn delete_file(
        &mut self,
        sku: u32,
        file: u32,
        changes: &mut Vec<Change>,
    ) -> Result<(), ApiError> {
        self.sku_record(sku)?;
        if self
            .commerce
            .files
            .get(&file)
            .is_none_or(|f| f.sku_id.0 != sku)
        {
            return Err(ApiError::not_found(
                "SKU_FILE_NOT_FOUND",
                format!("SKU {sku} has no file {file}"),
            ));
        }
        self.commerce.remove::<SkuImage>(file, changes);
        Ok(())
    }

    pub(super) fn put_file(
        &mut self,
        sku: u32,
        replacing: Option<u32>,
        input: FileInput,
        changes: &mut Vec<Change>,
    ) -> Result<SkuImage, ApiError> {
        let record = self.sku_record(sku)?.clone();
        let name = input.name.unwrap_or_default();
        if name.trim().is_empty() {
            return Err(ApiError::bad(
                code(ImportErrorCode::ImageNameMissing),
                "Name is required",
            ));
        }
        let url = input.url.unwrap_or_default();
        if !is_valid_image_url(&url) {
            return Err(ApiError::bad(
                code(ImportErrorCode::ImageUrlInvalid),
                format!("Url {url:?} must be a public http(s) URL ending in .jpg, .png or .gif"),
            ));
        }
        let is_main = input.is_main.unwrap_or(false);
        let existing_files: Vec<&SkuImage> = self
            .commerce
            .files
            .values()
            .filter(|i| i.sku_id.0 == sku && Some(i.id.0) != replacing)
            .collect();
        if existing_files.iter().any(|i| i.name == name) {
            return Err(ApiError::conflict(
                code(ImportErrorCode::ImageNameDuplicate),
                format!("SKU {sku} already has an image named {name:?}"),
            ));
        }
        if is_main && existing_files.iter().any(|i| i.is_main) {
            return Err(ApiError::bad(
                code(ImportErrorCode::ImageMainMultiple),
                format!("SKU {sku} already has a main image"),
            ));
        }
        let position = match input.position {
            Some(p) => i32::try_from(p).ok().filter(|p| *p >= 0).ok_or_else(|| {
                ApiError::bad(
                    code(ImportErrorCode::ImagePositionInvalid),
                    format!("Position must be a non-negative integer, got {p}"),
                )
            })?,
            None if is_main => 0,
            None => existing_files
                .iter()
                .map(|i| i.position)
                .max()
                .map_or(1, |p| p.saturating_add(1).max(1)),
        };
        if (position == 0) != is_main {
            return Err(ApiError::bad(
                code(ImportErrorCode::ImageMainPosition),
                "Position 0 is the main image's: IsMain=true goes with Position 0 and only with it",
            ));
        }
        let state = self.sku_state(&record.sku);
        let image = ImageBody {
            name,
            url,
            is_main,
            position,
            label: input.label,
            text: input.text,
        };
        let op = match replacing {
            None => Operation::AddSkuImage {
                sku: existing(SkuId(sku)),
                image,
            },
            Some(id) => Operation::UpdateSkuImage {
                id: SkuFileId(id),
                sku: SkuId(sku),
                image,
            },
        };
        let after = run(&state, vec![op], "SKU_FILE_REFUSED")?;
        let image = match replacing {
            None => {
                let mut image = after
                    .sku_images
                    .into_iter()
                    .last()
                    .ok_or_else(|| ApiError::Internal("ponte-core lost the image".into()))?;
                self.counters.file += 1;
                image.id = SkuFileId(self.counters.file);
                image
            }
            Some(id) => after
                .sku_images
                .into_iter()
                .find(|i| i.id.0 == id)
                .ok_or_else(|| ApiError::Internal("ponte-core lost the image".into()))?,
        };
        let image = self.commerce.put(image.id.0, image, changes)?;
        self.activate_if_possible(sku, changes)?;
        Ok(image)
    }

    pub fn files(&self, sku: u32) -> Result<Vec<SkuImage>, ApiError> {
        self.sku_record(sku)?;
        let mut out = self.commerce.rows(|i: &SkuImage| i.sku_id.0 == sku);
        out.sort_by_key(|i| (i.position, i.id));
        Ok(out)
    }

    pub fn delete_files(&mut self, sku: u32, changes: &mut Vec<Change>) -> Result<(), ApiError> {
        self.sku_record(sku)?;
        self.commerce
            .remove_where(|i: &SkuImage| i.sku_id.0 == sku, changes);
        Ok(())
    }
}
