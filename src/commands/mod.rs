//! One module per subcommand; `lay` is the pipeline `init`, `add` and `upgrade` share.

pub(crate) mod add;
pub(crate) mod assess;
pub(crate) mod blueprint;
pub(crate) mod done;
pub(crate) mod explain;
pub(crate) mod init;
pub(crate) mod lay;
pub(crate) mod list;
pub(crate) mod manual;
pub(crate) mod status;
pub(crate) mod upgrade;
