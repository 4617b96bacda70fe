//! Blueprints: the manifest format, the embedded catalog, and rendering.

pub(crate) mod catalog;
pub(crate) mod changelog;
pub(crate) mod limits;
pub(crate) mod manifest;
pub(crate) mod render;
pub(crate) mod source;
pub(crate) mod subset;
