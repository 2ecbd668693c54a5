//! Exit codes are part of the interface CI scripts depend on, so they are one documented enum.

/// 0: clean; 1: findings at error level; 2: the tool could not do its job (unreadable or
/// unparseable input, bad arguments).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    Clean = 0,
    Findings = 1,
    Failure = 2,
}

impl ExitStatus {
    pub fn code(self) -> i32 {
        self as i32
    }
}
