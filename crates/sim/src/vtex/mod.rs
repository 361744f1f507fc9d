//! The VTEX APIs the simulator plays, one folder each, each exposing its state and routes:
//! the Catalog ([`catalog`]), the OMS ([`oms`]), Feed v3 / Hook / IO events ([`broadcast`]),
//! VTEX ID ([`vtexid`]), License Manager ([`licensemanager`]), Pricing v2 ([`pricing`]),
//! Logistics' warehouses, docks and inventory ([`logistics`]), Master Data v1's documents (CL,
//! AD and any `{acronym}`, [`masterdata`]), the scheduler ([`scheduler`]), the VTEX IO router
//! ([`io`]), the Payment Gateway calling a connector ([`gateway`]), the Gift Card Hub
//! ([`giftcardhub`]) and the anti-fraud side of the gateway ([`antifraud`]), VBase ([`vbase`])
//! and app settings ([`apps`]). They stand on [`crate::platform`] and never on the ERP ([`crate::erp`]).

pub mod antifraud;
pub mod apps;
pub mod broadcast;
pub mod catalog;
pub mod gateway;
pub mod giftcardhub;
pub mod io;
pub mod licensemanager;
pub mod logistics;
pub mod masterdata;
pub mod oms;
pub mod pricing;
pub mod scheduler;
pub mod vbase;
pub mod vtexid;
