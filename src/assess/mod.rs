//! `scaffold assess`: the map of a repo's infrastructure gaps (work in progress, see issue 5).
