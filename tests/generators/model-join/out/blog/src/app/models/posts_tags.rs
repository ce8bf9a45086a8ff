//! The many-to-many association of posts and tags, through the
//! `posts_tags` table: one row for each pair.

use super::post::Post;
use super::tag::Tag;
use crate::db::Pool;

impl Post {
    /// The tags of this post, ordered by id.
    pub async fn tags(&self, pool: &Pool) -> sqlx::Result<Vec<Tag>> {
        sqlx::query_as(
            "SELECT tags.* FROM tags JOIN posts_tags ON posts_tags.tag_id = tags.id WHERE posts_tags.post_id = $1 ORDER BY tags.id",
        )
        .bind(self.id)
        .fetch_all(pool)
        .await
    }

    /// Gives this post the tag `tag`; whether it did not have it yet.
    pub async fn add_tag(&self, pool: &Pool, tag: &Tag) -> sqlx::Result<bool> {
        let done = sqlx::query(
            "INSERT INTO posts_tags (post_id, tag_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .bind(self.id)
        .bind(tag.id)
        .execute(pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Takes the tag `tag` from this post; whether it had it.
    pub async fn remove_tag(&self, pool: &Pool, tag: &Tag) -> sqlx::Result<bool> {
        let done = sqlx::query("DELETE FROM posts_tags WHERE post_id = $1 AND tag_id = $2")
            .bind(self.id)
            .bind(tag.id)
            .execute(pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }
}

impl Tag {
    /// The posts that have this tag, ordered by id.
    pub async fn posts(&self, pool: &Pool) -> sqlx::Result<Vec<Post>> {
        sqlx::query_as(
            "SELECT posts.* FROM posts JOIN posts_tags ON posts_tags.post_id = posts.id WHERE posts_tags.tag_id = $1 ORDER BY posts.id",
        )
        .bind(self.id)
        .fetch_all(pool)
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::models::post::PostParams;
    use crate::app::models::tag::TagParams;

    #[sqlx::test]
    async fn pairs_are_added_listed_and_removed(pool: Pool) {
        let post = Post::create(&pool, &PostParams::example(&pool).await)
            .await
            .unwrap();
        let tag = Tag::create(&pool, &TagParams::example(&pool).await)
            .await
            .unwrap();
        let other = Tag::create(&pool, &TagParams::example(&pool).await)
            .await
            .unwrap();
        assert!(post.add_tag(&pool, &tag).await.unwrap());
        assert!(
            !post.add_tag(&pool, &tag).await.unwrap(),
            "a pair is added once"
        );
        assert_eq!(post.tags(&pool).await.unwrap(), vec![tag.clone()]);
        assert_eq!(tag.posts(&pool).await.unwrap(), vec![post.clone()]);
        assert!(other.posts(&pool).await.unwrap().is_empty());
        assert!(post.remove_tag(&pool, &tag).await.unwrap());
        assert!(post.tags(&pool).await.unwrap().is_empty());
        assert!(!post.remove_tag(&pool, &tag).await.unwrap());
    }
}
