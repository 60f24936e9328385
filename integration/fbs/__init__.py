"""The FBS side: fees and patrons per library agency, shaped like the FBS external API."""
