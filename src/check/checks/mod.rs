//! One file per check; each defines its `CHECK` (id, title, doc, judgement).

pub mod auth_enforced;
pub mod content_type_documented;
pub mod created_resource_available;
pub mod id_consistency;
pub mod negative_data_rejected;
pub mod not_a_server_error;
pub mod positive_data_accepted;
pub mod response_headers_conform;
pub mod response_schema_conforms;
pub mod response_time;
pub mod status_code_documented;
pub mod unsupported_method;
pub mod use_after_delete;
