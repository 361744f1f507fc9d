//! SKU images (files): names, URLs, positions and the one main image.

use super::rules::{fold, is_valid_image_url};
use super::{C, Change, RImage, SEC_PRODUCTS, V};
use crate::catalog::import::batch::ImageInput;
use crate::catalog::import::model::SkuImage;
use crate::catalog::import::plan_types::ImageBody;
use std::collections::BTreeSet;

impl V<'_> {
    /// The SKU's images against its `existing` ones, and the folded names the batch gives.
    pub(super) fn images(
        &mut self,
        pi: usize,
        path: &str,
        images: &[ImageInput],
        existing: &[&SkuImage],
    ) -> (Vec<RImage>, BTreeSet<String>) {
        let mut out = Vec::new();
        let mut names = BTreeSet::new();
        let mut mains = 0;
        for (ii, img) in images.iter().enumerate() {
            let ipath = format!("{path}.images[{ii}]");
            let before = self.errors.len();
            self.check_image(pi, &ipath, img, &mut names, &mut mains);
            if self.errors.len() != before {
                continue;
            }
            out.push(self.image(pi, ipath, ii, img, existing));
        }
        if !images.is_empty() && mains == 0 {
            let message = "exactly one image must be the main one (isMain, position 0)";
            self.fail_product(pi, format!("{path}.images"), C::ImageMainMissing, message);
        }
        (out, names)
    }

    fn check_image(
        &mut self,
        pi: usize,
        ipath: &str,
        img: &ImageInput,
        names: &mut BTreeSet<String>,
        mains: &mut u32,
    ) {
        let name = img.name.trim();
        let npath = format!("{ipath}.name");
        if name.is_empty() {
            self.fail_product(pi, npath, C::ImageNameMissing, "an image needs a name");
        } else if !names.insert(fold(name)) {
            let message = format!("image \"{name}\" appears twice on the SKU");
            self.fail_product(pi, npath, C::ImageNameDuplicate, message);
        }
        if !is_valid_image_url(&img.url) {
            let message = format!(
                "\"{}\" is not an http(s) URL ending in .jpg, .png or .gif",
                img.url
            );
            self.fail_product(pi, format!("{ipath}.url"), C::ImageUrlInvalid, message);
        }
        let ppath = format!("{ipath}.position");
        if let Some(p) = img.position
            && p < 0
        {
            let message = "position must not be negative";
            self.fail_product(pi, &ppath, C::ImagePositionInvalid, message);
        }
        match (img.is_main, img.position) {
            (true, Some(p)) if p != 0 => {
                let message = "the main image is at position 0";
                self.fail_product(pi, &ppath, C::ImageMainPosition, message);
            }
            (false, Some(0)) => {
                let message = "position 0 is the main image's; set isMain or another position";
                self.fail_product(pi, &ppath, C::ImageMainPosition, message);
            }
            _ => {}
        }
        if img.is_main {
            *mains += 1;
            if *mains == 2 {
                let message = "an SKU has exactly one main image";
                self.fail_product(pi, format!("{ipath}.isMain"), C::ImageMainMultiple, message);
            }
        }
    }

    /// A valid image: new, or an update of the existing image with its name.
    fn image(
        &mut self,
        pi: usize,
        ipath: String,
        ii: usize,
        img: &ImageInput,
        existing: &[&SkuImage],
    ) -> RImage {
        let name = img.name.trim().to_owned();
        let old = existing.iter().find(|e| fold(&e.name) == fold(&name));
        let body = ImageBody {
            name,
            url: img.url.clone(),
            is_main: img.is_main,
            position: img
                .position
                .unwrap_or(if img.is_main { 0 } else { ii as i32 + 1 }),
            label: img
                .label
                .clone()
                .or_else(|| old.and_then(|o| o.label.clone())),
            text: img
                .text
                .clone()
                .or_else(|| old.and_then(|o| o.text.clone())),
        };
        let change = match old {
            None => Change::Create,
            Some(o) => {
                let differs = o.url != body.url
                    || o.is_main != body.is_main
                    || o.position != body.position
                    || o.label != body.label
                    || o.text != body.text;
                self.change_for(
                    differs,
                    SEC_PRODUCTS,
                    pi,
                    &ipath,
                    &format!("image \"{}\"", body.name),
                    "url, isMain, position, label or text",
                )
            }
        };
        RImage {
            path: ipath,
            existing: old.map(|o| o.id),
            body,
            change,
        }
    }
}
