"""practices"""
